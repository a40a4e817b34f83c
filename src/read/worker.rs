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

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::calamine::{Cells, SheetsRead};
use super::wire::{decode_answer, encode_answer, EncodedSheet, Request};
use super::ReadError;

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

/// A read handed to a worker, or done here.
pub(super) struct Pending(PendingInner);

enum PendingInner {
    Done(Result<SheetsRead, ReadError>),
    #[cfg(unix)]
    Sent(unix::Sent),
}

/// Begins reading `req`: sent to a worker when isolation is on (the
/// worker reads while the caller goes on), else read here and now.
pub(super) fn start(req: Request) -> Pending {
    #[cfg(unix)]
    if let Some(iso) = ISOLATION.get() {
        return Pending(match unix::send(iso, req) {
            Ok(sent) => PendingInner::Sent(sent),
            Err(e) => PendingInner::Done(Err(e)),
        });
    }
    Pending(PendingInner::Done(super::calamine::read::<Cells>(&req)))
}

impl Pending {
    /// The sheets read, waiting for the worker's answer if need be.
    pub fn finish(self) -> Result<SheetsRead, ReadError> {
        match self.0 {
            PendingInner::Done(read) => read,
            #[cfg(unix)]
            PendingInner::Sent(sent) => sent.receive(),
        }
    }
}

/// Ends the idle workers and waits for them (at the end of a run).
pub fn shutdown() {
    IDLE.lock().unwrap_or_else(|p| p.into_inner()).clear();
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
/// output, each a message ([`frame`]); ends at the end of input.
/// `address_mib` is the address-space limit it sets on itself first.
pub fn serve(address_mib: u64) -> std::process::ExitCode {
    #[cfg(unix)]
    unix::limit_self(address_mib);
    #[cfg(not(unix))]
    let _ = address_mib;
    // Unbuffered: a message is read into a buffer of its size and written
    // at once (standard output's line buffering would write a binary
    // answer in pieces).
    let Some((mut input, mut output)) = raw_pipes() else {
        return std::process::ExitCode::FAILURE;
    };
    let mut message = Vec::new();
    loop {
        let Ok(true) = frame::read(&mut input, &mut message) else {
            return std::process::ExitCode::SUCCESS;
        };
        let answer = match Request::decode(&message) {
            Ok(req) => {
                #[cfg(unix)]
                unix::allow_cpu(req.limits.cpu_seconds);
                super::calamine::read::<EncodedSheet>(&req)
            }
            Err(e) => Err(ReadError::Workbook {
                format: String::new(),
                reason: format!("the worker could not read its request ({e})"),
            }),
        };
        if output.write_all(&encode_answer(&answer)).is_err() {
            return std::process::ExitCode::FAILURE;
        }
    }
}

/// Standard input and output as files, unbuffered.
fn raw_pipes() -> Option<(std::fs::File, std::fs::File)> {
    let (stdin, stdout) = (std::io::stdin(), std::io::stdout());
    #[cfg(unix)]
    let (input, output) = {
        use std::os::fd::AsFd;
        (
            stdin.as_fd().try_clone_to_owned(),
            stdout.as_fd().try_clone_to_owned(),
        )
    };
    #[cfg(windows)]
    let (input, output) = {
        use std::os::windows::io::AsHandle;
        (
            stdin.as_handle().try_clone_to_owned(),
            stdout.as_handle().try_clone_to_owned(),
        )
    };
    Some((input.ok()?.into(), output.ok()?.into()))
}

/// Messages: a `u64` length, then the bytes.
mod frame {
    use std::io::Read;

    /// The next message into `message` (its buffer reused), `false` at
    /// the end of input.
    pub fn read(from: &mut impl Read, message: &mut Vec<u8>) -> std::io::Result<bool> {
        let mut len = [0u8; 8];
        match from.read_exact(&mut len) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            other => other?,
        }
        message.clear();
        from.take(u64::from_le_bytes(len)).read_to_end(message)?;
        Ok(true)
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
        /// The last answer's buffer, kept for the next.
        answer: Vec<u8>,
    }

    impl Drop for Worker {
        /// Killed and waited for, idle (waiting for input) or not.
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
        let worker = Worker {
            child,
            stdin: stdin.ok_or_else(|| std::io::Error::other("no pipe"))?,
            stdout: stdout.ok_or_else(|| std::io::Error::other("no pipe"))?,
            address_mib,
            answer: Vec::new(),
        };
        // Pipes of a megabyte: a file and its answer cross in a few
        // writes, not in 64 KiB turns of both processes.
        #[cfg(target_os = "linux")]
        for fd in [worker.stdin.as_raw_fd(), worker.stdout.as_raw_fd()] {
            // SAFETY: fcntl on a pipe this process owns.
            unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20) };
        }
        Ok(worker)
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

    /// A request sent to a worker, its answer still to come. Dropped
    /// unanswered (the run stopped), the worker is killed.
    pub struct Sent {
        worker: Worker,
        deadline: Instant,
        ext: String,
        limits: super::super::Limits,
        sent: std::io::Result<()>,
        stop: Option<Arc<AtomicBool>>,
    }

    /// Sends `req` to an idle worker (or a new one).
    pub fn send(iso: &Isolation, req: Request) -> Result<Sent, ReadError> {
        let (ext, limits) = (req.ext.clone(), req.limits);
        let mut worker = take(iso, limits.worker_mib).map_err(|e| ReadError::Workbook {
            format: ext.clone(),
            reason: format!("the reader process could not start ({e})"),
        })?;
        let deadline = Instant::now() + Duration::from_secs(limits.read_seconds);
        let sent = worker
            .stdin
            .write_all(&req.encode_head())
            .and_then(|()| worker.stdin.write_all(&req.bytes));
        Ok(Sent {
            worker,
            deadline,
            ext,
            limits,
            sent,
            stop: iso.stop.clone(),
        })
    }

    impl Sent {
        /// The worker's answer; the worker goes back to the idle ones.
        pub fn receive(mut self) -> Result<SheetsRead, ReadError> {
            let failed = |reason: String| ReadError::Workbook {
                format: self.ext.clone(),
                reason,
            };
            let answer = match std::mem::replace(&mut self.sent, Ok(())) {
                Ok(()) => receive(&mut self.worker, self.deadline, self.stop.as_deref()),
                Err(e) => Err(Ended::Broken(e.to_string())),
            };
            match answer {
                Ok(()) => {
                    let content = decode_answer(&self.worker.answer, &self.ext)
                        .map_err(|e| failed(format!("the reader's answer was damaged ({e})")))?;
                    IDLE.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(self.worker);
                    content
                }
                Err(ended) => Err(failed(ended.explain(&mut self.worker, &self.limits))),
            }
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

    /// The worker's answer into its buffer, waiting at most until
    /// `deadline` and never past a `stop`.
    fn receive(
        worker: &mut Worker,
        deadline: Instant,
        stop: Option<&AtomicBool>,
    ) -> Result<(), Ended> {
        let limit_bytes = worker.address_mib.saturating_mul(1 << 20);
        let mut len = [0u8; 8];
        read_until(&mut worker.stdout, &mut len, deadline, stop)?;
        // The worker held the answer within its address space.
        let n = usize::try_from(u64::from_le_bytes(len))
            .ok()
            .filter(|n| (*n as u64) <= limit_bytes)
            .ok_or_else(|| Ended::Broken("an answer larger than the worker".into()))?;
        worker.answer.resize(n, 0);
        read_until(&mut worker.stdout, &mut worker.answer, deadline, stop)
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
