//! Panics caught where they happen, quietly: a reader that panics on a
//! damaged file, a writer library that panics on a failed write (a full
//! disk). The catch site reports the failure as a value (an issue row, an
//! I/O error naming the path); the panic hook `main` installs prints
//! nothing for a panic that is caught here.

use std::any::Any;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// How many [`catch`]es this thread is inside.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`; a panic inside it is returned as its message.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
    result.map_err(|panic| message(panic.as_ref()))
}

/// True on a thread inside [`catch`]: a panic there is reported by the
/// catcher, not printed.
pub fn is_caught() -> bool {
    CATCHING.with(|c| c.get() > 0)
}

fn message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown failure".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_its_message_and_the_thread_is_caught_only_inside() {
        assert!(!is_caught());
        let inside = catch(is_caught);
        assert_eq!(inside, Ok(true));
        let failed: Result<(), String> = catch(|| panic!("disk full at {}", 3));
        assert_eq!(failed, Err("disk full at 3".to_string()));
        assert!(!is_caught());
    }
}
