//! A NATS cluster with JetStream on loopback, started from the `nats-server` binary, for tests
//! and benchmarks: each server has its own store directory and ports, and is stopped by PID
//! when the cluster is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Running `nats-server` processes that form one cluster.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    client_port: u16,
    config: PathBuf,
    child: Option<Child>,
}

/// Every port this process has handed to a cluster: tests start clusters concurrently, and
/// the kernel may give a port one cluster was handed (and released for its server to take)
/// to the next bind, so that two servers met on one port ("did not start listening").
static HANDED: std::sync::Mutex<std::collections::BTreeSet<u16>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// `n` distinct free loopback ports, none handed out before in this process: all bound at
/// once (so none is handed out twice), then released for the servers to take.
fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let mut handed = HANDED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut held = Vec::with_capacity(n);
    let mut ports = Vec::with_capacity(n);
    while ports.len() < n {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        if handed.insert(port) {
            ports.push(port);
        }
        held.push(l); // kept bound until all are chosen, so the kernel gives new ones
    }
    Ok(ports)
}

impl Cluster {
    /// Starts `n` servers under `dir` (one with no cluster routes when `n` is 1) and waits
    /// until each accepts connections.
    pub fn start(dir: &Path, n: usize) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let free = free_ports(2 * n)?;
        let ports: Vec<(u16, u16)> = free.chunks(2).map(|p| (p[0], p[1])).collect();
        let mut nodes = Vec::with_capacity(n);
        for (i, &(client, route)) in ports.iter().enumerate() {
            let routes: Vec<String> = ports
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &(_, r))| format!("nats-route://127.0.0.1:{r}"))
                .collect();
            let cluster = if n > 1 {
                format!(
                    "cluster {{\n  name: ecomatch\n  listen: 127.0.0.1:{route}\n  routes: [{}]\n}}\n",
                    routes.join(", ")
                )
            } else {
                String::new()
            };
            let store = dir.join(format!("n{i}"));
            let config = dir.join(format!("n{i}.conf"));
            std::fs::write(
                &config,
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{client}\njetstream {{\n  store_dir: \"{}\"\n}}\n{cluster}",
                    store.display()
                ),
            )?;
            nodes.push(Node {
                client_port: client,
                config,
                child: None,
            });
        }
        let mut c = Self {
            dir: dir.to_path_buf(),
            nodes,
        };
        for i in 0..n {
            c.restart(i)?;
        }
        Ok(c)
    }

    /// The client URL list for a `jetstream://` target: `host:port,host:port,...`.
    pub fn servers(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.client_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Where the servers keep their stores and configurations.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Stops server `i` at once (SIGKILL), as a machine that dies.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts server `i` again (with its store as it was) and waits until it accepts clients.
    pub fn restart(&mut self, i: usize) -> std::io::Result<()> {
        self.kill(i);
        let node = &mut self.nodes[i];
        let log = std::fs::File::create(self.dir.join(format!("n{i}.log")))?;
        let child = Command::new("nats-server")
            .arg("-c")
            .arg(&node.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("nats-server could not be started ({e}); install it (.ci/run does)"),
                )
            })?;
        node.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", node.client_port)).is_err() {
            if Instant::now() > deadline {
                return Err(std::io::Error::other(format!(
                    "nats-server n{i} did not start listening"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::free_ports;

    #[test]
    fn no_port_is_handed_out_twice_in_a_process() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let ports = free_ports(6);
            assert!(ports.is_ok(), "{ports:?}");
            for port in ports.unwrap_or_default() {
                assert!(seen.insert(port), "port {port} handed out twice");
            }
        }
    }
}
