//! calamine in a bounded worker process.
//!
//! calamine parses a whole workbook when it opens it, and a failed
//! allocation aborts a Rust process: no budget checked around it, no
//! `catch_unwind`, can keep one hostile `.xls` from stopping the batch. So
//! every calamine read runs in a worker — this binary on the hidden
//! subcommand [`WORKER_COMMAND`] — under an address-space limit
//! (`limits.worker_mib`), a processor-time limit (`limits.cpu_seconds`) and
//! a wall-clock deadline (`limits.read_seconds`). The worker hands back
//! the grids ([`super::wire`]) or dies; a death is that file's error,
//! naming the limit and the setting to raise, and the batch goes on.
//! Workers are kept and reused across files.
//!
//! Linux and other Unix systems: `setrlimit` (`RLIMIT_AS`, `RLIMIT_CPU`,
//! no core files) in the worker, the deadline kept by the parent, which
//! kills the worker. On Windows the same guarantee needs a job object
//! (`JOB_OBJECT_LIMIT_PROCESS_MEMORY`, `…_PROCESS_TIME`, and
//! `…_KILL_ON_JOB_CLOSE` so a worker dies with jixiao); until that is
//! written, Windows reads in-process (docs/SECURITY.md).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::wire::{decode_answer, encode_answer, Request};
use super::{FileContent, ReadError};

/// The hidden subcommand a worker runs: `jixiao __read-worker`.
pub const WORKER_COMMAND: &str = "__read-worker";

/// How this process runs calamine, set once by the command line.
struct Isolation {
    exe: PathBuf,
    stop: Option<Arc<AtomicBool>>,
}

static ISOLATION: OnceLock<Isolation> = OnceLock::new();

/// Makes every calamine read of this process run in a worker started
/// from `exe` (this binary). `stop`, when set, ends a read at once (a
/// Ctrl-C or SIGTERM): the worker is killed. Without this call (a
/// library user, unit tests) calamine runs in-process.
pub fn isolate_readers(exe: PathBuf, stop: Option<Arc<AtomicBool>>) {
    let _ = ISOLATION.set(Isolation { exe, stop });
}

/// Whether reads go to workers.
pub fn isolated() -> bool {
    cfg!(unix) && ISOLATION.get().is_some()
}

/// Reads `req` in a worker when isolation is on, else in-process.
pub(super) fn read(req: Request) -> Result<FileContent, ReadError> {
    #[cfg(unix)]
    if let Some(iso) = ISOLATION.get() {
        return unix::read_isolated(iso, req);
    }
    in_process(&req)
}

/// What the worker does with a request: calamine, panics caught.
fn in_process(req: &Request) -> Result<FileContent, ReadError> {
    super::workbook::calamine_here(req)
}

/// Idle workers, reused by the next read.
static IDLE: Mutex<Vec<unix_or_none::Worker>> = Mutex::new(Vec::new());

#[cfg(not(unix))]
mod unix_or_none {
    pub struct Worker;
}

#[cfg(unix)]
use unix as unix_or_none;

/// The worker's loop: requests on standard input, answers on standard
/// output, each a `u64` length and its bytes; ends at the end of input.
/// `address_mib` is the address-space limit it sets on itself first.
pub fn serve(address_mib: u64) -> std::process::ExitCode {
    #[cfg(unix)]
    unix::limit_self(address_mib);
    #[cfg(not(unix))]
    let _ = address_mib;
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    loop {
        let Ok(Some(message)) = frame::read(&mut input) else {
            return std::process::ExitCode::SUCCESS;
        };
        let answer = match Request::decode(&message) {
            Ok(req) => {
                #[cfg(unix)]
                unix::allow_cpu(req.limits.cpu_seconds);
                in_process(&req)
            }
            Err(e) => Err(ReadError::Workbook {
                format: String::new(),
                reason: format!("the worker could not read its request ({e})"),
            }),
        };
        if frame::write(&mut output, &encode_answer(&answer)).is_err() {
            return std::process::ExitCode::FAILURE;
        }
    }
}

/// Messages as a `u64` length and the bytes.
mod frame {
    use std::io::{Read, Write};

    pub fn write(to: &mut impl Write, message: &[u8]) -> std::io::Result<()> {
        to.write_all(&(message.len() as u64).to_le_bytes())?;
        to.write_all(message)?;
        to.flush()
    }

    /// The next message, `None` at the end of input.
    pub fn read(from: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
        let mut len = [0u8; 8];
        match from.read_exact(&mut len) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        let mut message = Vec::new();
        from.take(u64::from_le_bytes(len))
            .read_to_end(&mut message)?;
        Ok(Some(message))
    }
}

#[cfg(unix)]
mod unix {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    /// A running worker and the address-space limit it was started with.
    pub struct Worker {
        child: Child,
        stdin: ChildStdin,
        stdout: ChildStdout,
        address_mib: u64,
    }

    impl Drop for Worker {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Sets this process's address-space limit (never above one it
    /// inherited), no core files, and death with its parent.
    pub fn limit_self(address_mib: u64) {
        let bytes = address_mib.saturating_mul(1 << 20);
        // SAFETY: plain system calls on this process with valid arguments.
        unsafe {
            let mut old = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_AS, &mut old) == 0 {
                let cur = libc::rlim_t::try_from(bytes)
                    .unwrap_or(libc::RLIM_INFINITY)
                    .min(old.rlim_cur);
                let lim = libc::rlimit {
                    rlim_cur: cur,
                    rlim_max: old.rlim_max,
                };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
            }
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            // The parent stops workers itself (a Ctrl-C reaches the whole
            // process group).
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            #[cfg(target_os = "linux")]
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        }
        if std::os::unix::process::parent_id() == 1 {
            std::process::exit(0);
        }
    }

    /// Lets the next read use `seconds` of processor time beyond what
    /// the worker has used: past it the kernel sends SIGXCPU, which ends
    /// the worker.
    pub fn allow_cpu(seconds: u64) {
        // SAFETY: plain system calls on this process with valid arguments.
        unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_SELF, &mut usage);
            let used = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) as u64 + 1;
            let lim = libc::rlimit {
                rlim_cur: used.saturating_add(seconds) as libc::rlim_t,
                rlim_max: libc::RLIM_INFINITY,
            };
            libc::setrlimit(libc::RLIMIT_CPU, &lim);
        }
    }

    fn spawn(iso: &Isolation, address_mib: u64) -> std::io::Result<Worker> {
        let mut child = Command::new(&iso.exe)
            .arg(WORKER_COMMAND)
            .arg(address_mib.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
        Ok(Worker {
            child,
            stdin: stdin.ok_or_else(|| std::io::Error::other("no pipe"))?,
            stdout: stdout.ok_or_else(|| std::io::Error::other("no pipe"))?,
            address_mib,
        })
    }

    /// An idle worker with this address-space limit, or a new one.
    fn take(iso: &Isolation, address_mib: u64) -> std::io::Result<Worker> {
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        match idle.iter().position(|w| w.address_mib == address_mib) {
            Some(i) => Ok(idle.swap_remove(i)),
            None => {
                drop(idle);
                spawn(iso, address_mib)
            }
        }
    }

    pub fn read_isolated(iso: &Isolation, req: Request) -> Result<FileContent, ReadError> {
        let (display, ext, limits) = (req.display.clone(), req.ext.clone(), req.limits);
        let failed = |reason: String| ReadError::Workbook {
            format: ext.clone(),
            reason,
        };
        let mut worker = take(iso, limits.worker_mib)
            .map_err(|e| failed(format!("the reader process could not start ({e})")))?;
        let deadline = Instant::now() + Duration::from_secs(limits.read_seconds);
        let sent = super::frame::write(&mut worker.stdin, &req.encode());
        drop(req);
        let answer = match sent {
            Ok(()) => receive(&mut worker, deadline, iso.stop.as_deref()),
            Err(e) => Err(Ended::Broken(e.to_string())),
        };
        match answer {
            Ok(bytes) => {
                let content = decode_answer(&bytes, &display, &ext)
                    .map_err(|e| failed(format!("the reader's answer was damaged ({e})")))?;
                IDLE.lock().unwrap_or_else(|p| p.into_inner()).push(worker);
                content
            }
            Err(ended) => Err(failed(ended.explain(&mut worker, &limits))),
        }
    }

    /// How a read that gave no answer ended.
    enum Ended {
        Deadline,
        Stopped,
        Broken(String),
    }

    impl Ended {
        /// Why the worker gave no answer, for a person: the limit it met
        /// and the setting to raise.
        fn explain(self, worker: &mut Worker, limits: &super::super::Limits) -> String {
            let _ = worker.child.kill();
            let status = worker.child.wait().ok();
            use std::os::unix::process::ExitStatusExt;
            let signal = status.and_then(|s| s.signal());
            match (self, signal) {
                (Ended::Stopped, _) => "the run was interrupted while this file was read".into(),
                (Ended::Deadline, _) => format!(
                    "reading it took longer than {} s (limits.read_seconds); not read — a damaged or hostile file, or raise the setting",
                    limits.read_seconds
                ),
                (_, Some(libc::SIGXCPU)) => format!(
                    "reading it used more than {} s of processor time (limits.cpu_seconds); not read — a damaged or hostile file, or raise the setting",
                    limits.cpu_seconds
                ),
                (_, Some(libc::SIGABRT | libc::SIGSEGV | libc::SIGBUS)) => format!(
                    "reading it needed more memory than the {} MiB a reader may use (limits.worker_mib); not read — a damaged or hostile file, or raise the setting",
                    limits.worker_mib
                ),
                (Ended::Broken(e), signal) => format!(
                    "the reader process ended without an answer ({}); not read",
                    signal.map_or(e, |s| format!("signal {s}"))
                ),
            }
        }
    }

    /// The worker's answer, waiting at most until `deadline` and never
    /// past a `stop`.
    fn receive(
        worker: &mut Worker,
        deadline: Instant,
        stop: Option<&AtomicBool>,
    ) -> Result<Vec<u8>, Ended> {
        let mut len = [0u8; 8];
        read_until(&mut worker.stdout, &mut len, deadline, stop)?;
        let n = u64::from_le_bytes(len);
        let mut answer = Vec::new();
        let mut chunk = vec![0u8; 1 << 16];
        while (answer.len() as u64) < n {
            let want = (n - answer.len() as u64).min(chunk.len() as u64) as usize;
            read_until(&mut worker.stdout, &mut chunk[..want], deadline, stop)?;
            answer.extend_from_slice(&chunk[..want]);
        }
        Ok(answer)
    }

    /// Fills `buf` from the pipe, polling so that a deadline or a stop
    /// ends the wait within a tenth of a second.
    fn read_until(
        pipe: &mut ChildStdout,
        buf: &mut [u8],
        deadline: Instant,
        stop: Option<&AtomicBool>,
    ) -> Result<(), Ended> {
        let mut filled = 0;
        while filled < buf.len() {
            if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                return Err(Ended::Stopped);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Ended::Deadline);
            }
            let mut fd = libc::pollfd {
                fd: pipe.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let wait = left.as_millis().min(100) as libc::c_int;
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut fd, 1, wait) };
            if ready <= 0 {
                continue;
            }
            match pipe.read(&mut buf[filled..]) {
                Ok(0) => return Err(Ended::Broken("no answer".into())),
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Ended::Broken(e.to_string())),
            }
        }
        Ok(())
    }
}
