//! The Fever API (`/fever/`).

use axum::Router;

use crate::AppState;

/// This API's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
