//! The Google Reader API (`/accounts/ClientLogin`, `/reader/api/0/…`).

use axum::Router;

use crate::AppState;

/// This API's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
