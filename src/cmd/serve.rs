//! `rca-site serve`

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use clap::Args;

use super::{root_dir, EXIT_USAGE};
use crate::model::Include;
use crate::pipeline::BuildOptions;
use crate::serve::watch::{git_dir, Targets, Watcher};
use crate::serve::{http, Session};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The archive repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Address to listen on; the default is reachable from this machine only.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Include draft and review incidents.
    #[arg(long)]
    pub drafts: bool,
    /// Include internal incidents.
    #[arg(long)]
    pub internal: bool,
    /// Look for changes by polling every file (for file systems without change events).
    #[arg(long)]
    pub poll: bool,
}

pub fn run(args: ServeArgs, quiet: bool) -> i32 {
    let root = match root_dir(&args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!("error: cannot listen on {addr}: the port is already in use (another `rca-site serve`?); choose another with --port");
            return EXIT_USAGE;
        }
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return EXIT_USAGE;
        }
    };
    let local = listener.local_addr().unwrap_or(addr);
    let opts = BuildOptions {
        include: Include { drafts: args.drafts, internal: args.internal },
        base_url: None,
        build_date: None,
        history: None,
    };
    let mut session = match Session::new(&root, opts, quiet) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: reading {}: {e}", root.display());
            return EXIT_USAGE;
        }
    };

    let (tx, rx) = mpsc::channel();
    let targets = Targets { root: session_root(&root), git_dir: git_dir(&root).and_then(|g| g.canonicalize().ok()) };
    let mut watcher = match Watcher::start(&targets, args.poll, tx) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: cannot watch {}: {e}{}", root.display(), if args.poll { "" } else { " (try --poll)" });
            return EXIT_USAGE;
        }
    };
    session.rebuild();

    http::no_delay(&listener);
    let server = match tiny_http::Server::from_listener(listener, None) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: cannot serve on {addr}: {e}");
            return EXIT_USAGE;
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    if let Err(e) = on_signal(stop.clone(), server.clone()) {
        eprintln!("error: cannot handle Ctrl-C: {e}");
        return EXIT_USAGE;
    }
    let host = if local.ip().is_unspecified() { "localhost".to_string() } else { local.ip().to_string() };
    let host = if local.is_ipv6() && host != "localhost" { format!("[{host}]") } else { host };
    // Always printed (also with -q): scripts and tests read the address here.
    eprintln!("Serving {} at http://{host}:{}{}/ (Ctrl-C to stop)", root.display(), local.port(), session.base());

    let (state, hub) = (session.state.clone(), session.hub.clone());
    let srv = server.clone();
    let http_thread = std::thread::spawn(move || {
        for req in srv.incoming_requests() {
            let (state, hub) = (state.clone(), hub.clone());
            std::thread::spawn(move || http::handle(req, &state, &hub));
        }
    });
    session.run(&rx, &mut watcher, &stop);
    drop(watcher);
    server.unblock();
    let _ = http_thread.join();
    if !quiet {
        eprintln!("Stopped.");
    }
    0
}

/// The root as the watcher reports paths: canonical, so that prefixes match.
fn session_root(root: &std::path::Path) -> PathBuf {
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// SIGINT (Ctrl-C) and SIGTERM stop the server cleanly.
fn on_signal(stop: Arc<AtomicBool>, server: Arc<tiny_http::Server>) -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            stop.store(true, Ordering::SeqCst);
            server.unblock();
        }
    });
    Ok(())
}
