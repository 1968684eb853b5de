//! Runs the real `tracewire` binary against a temporary data directory and
//! fixture servers on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod pg;

use std::process::{Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Tracewire {
    pub data: TempDir,
    /// Extra global flags for every command.
    pub flags: Vec<String>,
    /// Extra environment variables for every command.
    pub env: Vec<(String, String)>,
}

pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Tracewire {
    /// A fresh instance that may fetch from 127.0.0.1.
    pub fn new() -> Tracewire {
        Tracewire {
            data: tempfile::tempdir().unwrap(),
            flags: vec!["--allow-private-networks".to_string()],
            env: Vec::new(),
        }
    }

    /// A fresh instance with the network guard on.
    pub fn guarded() -> Tracewire {
        Tracewire {
            data: tempfile::tempdir().unwrap(),
            flags: Vec::new(),
            env: Vec::new(),
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tracewire"));
        c.arg("--data-dir").arg(self.data.path());
        c.args(&self.flags);
        c.env_remove("TRACEWIRE_ALLOW_PRIVATE_NETWORKS");
        // Fixture sites are ours: no pacing between requests to them.
        c.env("TRACEWIRE_PER_HOST_INTERVAL_MS", "0");
        c.env("TRACEWIRE_LOG", "warn");
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c.kill_on_drop(true);
        c
    }

    pub async fn run(&self, args: &[&str]) -> Run {
        let out: Output = tokio::time::timeout(Duration::from_secs(60), self.command().args(args).output())
            .await
            .expect("tracewire took over 60s")
            .unwrap();
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs with `input` on standard input.
    pub async fn run_input(&self, args: &[&str], input: &str) -> Run {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.as_bytes()).await.unwrap();
        drop(stdin);
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("tracewire took over 60s")
            .unwrap();
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and insists on success.
    pub async fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args).await;
        assert!(
            run.ok,
            "tracewire {args:?} failed:\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run.stdout
    }

    /// Starts `serve` on an ephemeral port; returns the process and its base URL.
    pub async fn serve(&self) -> Server {
        self.serve_with(&["--no-worker"]).await
    }

    /// [`Tracewire::serve`] with these flags (none: with its crawler).
    pub async fn serve_with(&self, flags: &[&str]) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("serve did not start within 30s")
            .unwrap()
            .expect("serve printed nothing");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("serve did not print its URL")
            .trim_end_matches('/')
            .to_string();
        // Keep reading what it prints (the first account's password, …): a
        // closed pipe would end it at its next line.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server {
            _child: child,
            base,
            client: reqwest::Client::new(),
        }
    }
}

pub struct Server {
    _child: Child,
    pub base: String,
    pub client: reqwest::Client,
}

impl Server {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    }

    pub async fn json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}
