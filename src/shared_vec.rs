//! [`SharedVec`]: an append-only vector whose clones share their elements, so the index can
//! publish a new snapshot after each write without copying every request of the type.
//!
//! A clone is O(1). Pushing onto the handle whose length equals the number of elements ever
//! written to the shared buffer writes in place: older handles keep their own, shorter length
//! and never look past it. Pushing onto any other handle (or onto a full buffer) first copies
//! that handle's elements into a new, larger buffer.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// An append-only vector with O(1) clones that share their prefix (see the module docs).
pub struct SharedVec<T> {
    buffer: Arc<Buffer<T>>,
    len: usize,
}

struct Buffer<T> {
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    /// Slots claimed by a push; each is written once, right after it is claimed, and never
    /// changed again.
    filled: AtomicUsize,
}

// SAFETY: the buffer hands out `&T` to initialized slots only (needs `T: Sync`) and moves
// values in from the pushing thread (needs `T: Send`); a slot is written by the one handle
// that claimed it, before any handle can see it.
unsafe impl<T: Send + Sync> Send for Buffer<T> {}
unsafe impl<T: Send + Sync> Sync for Buffer<T> {}

impl<T> Buffer<T> {
    /// A buffer of `capacity` slots (at least `items.len()`) holding `items` first.
    fn new(items: Vec<T>, capacity: usize) -> Buffer<T> {
        let filled = items.len();
        let mut slots: Vec<UnsafeCell<MaybeUninit<T>>> = Vec::with_capacity(capacity.max(filled));
        slots.extend(
            items
                .into_iter()
                .map(|v| UnsafeCell::new(MaybeUninit::new(v))),
        );
        slots.resize_with(capacity.max(filled), || {
            UnsafeCell::new(MaybeUninit::uninit())
        });
        Buffer {
            slots: slots.into_boxed_slice(),
            filled: AtomicUsize::new(filled),
        }
    }
}

impl<T> Drop for Buffer<T> {
    fn drop(&mut self) {
        let filled = *self.filled.get_mut();
        for slot in &mut self.slots[..filled] {
            // SAFETY: slots below `filled` were written (a claim is always followed by its
            // write before the claiming `push` returns) and are dropped exactly once, here.
            unsafe { slot.get_mut().assume_init_drop() };
        }
    }
}

impl<T> SharedVec<T> {
    /// An empty vector.
    pub fn new() -> SharedVec<T> {
        SharedVec::with_capacity(0)
    }

    /// An empty vector with room for `capacity` elements.
    pub fn with_capacity(capacity: usize) -> SharedVec<T> {
        SharedVec::from_vec(Vec::new(), capacity)
    }

    /// `items` (moved, not copied) in a buffer with room for `capacity` elements in all.
    pub fn from_vec(items: Vec<T>, capacity: usize) -> SharedVec<T> {
        SharedVec {
            len: items.len(),
            buffer: Arc::new(Buffer::new(items, capacity)),
        }
    }

    /// The elements of this handle.
    pub fn as_slice(&self) -> &[T] {
        let start = self.buffer.slots.as_ptr() as *const T;
        // SAFETY: `UnsafeCell<MaybeUninit<T>>` has `T`'s layout; slots below `self.len` were
        // written before this handle's length covered them and are never written again
        // (pushes only write at `filled` ≥ every handle's length).
        unsafe { std::slice::from_raw_parts(start, self.len) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: Clone> SharedVec<T> {
    /// Appends `value`: in place when this handle is the longest one of its buffer and there
    /// is room, else after copying this handle's elements into a new buffer of twice the size.
    pub fn push(&mut self, value: T) {
        let len = self.len;
        let buffer = &self.buffer;
        let claimed = len < buffer.slots.len()
            && buffer
                .filled
                .compare_exchange(len, len + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        if claimed {
            // SAFETY: the claim succeeded, so no handle is longer than `len` and none can
            // read slot `len`; this handle is its only writer.
            unsafe { (*buffer.slots[len].get()).write(value) };
            self.len = len + 1;
            return;
        }
        let capacity = (buffer.slots.len() * 2).max(len + 1).max(16);
        let mut items = Vec::with_capacity(len + 1);
        items.extend_from_slice(self.as_slice());
        items.push(value);
        *self = SharedVec::from_vec(items, capacity);
    }
}

impl<T> Clone for SharedVec<T> {
    fn clone(&self) -> Self {
        SharedVec {
            buffer: Arc::clone(&self.buffer),
            len: self.len,
        }
    }
}

impl<T> Default for SharedVec<T> {
    fn default() -> Self {
        SharedVec::new()
    }
}

impl<T> From<Vec<T>> for SharedVec<T> {
    fn from(items: Vec<T>) -> Self {
        let capacity = items.len();
        SharedVec::from_vec(items, capacity)
    }
}

impl<T> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        Vec::from_iter(items).into()
    }
}

impl<T> std::ops::Deref for SharedVec<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for SharedVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_keep_their_own_length_and_share_the_prefix() {
        let mut a: SharedVec<String> = SharedVec::with_capacity(4);
        a.push("x".into());
        a.push("y".into());
        let b = a.clone();
        a.push("z".into());
        assert_eq!(a.as_slice(), ["x", "y", "z"]);
        assert_eq!(
            b.as_slice(),
            ["x", "y"],
            "an older handle never sees later pushes"
        );
        assert!(Arc::ptr_eq(&a.buffer, &b.buffer), "pushed in place");
        // pushing onto the older handle must not overwrite the newer one's element
        let mut c = b.clone();
        c.push("w".into());
        assert_eq!(c.as_slice(), ["x", "y", "w"]);
        assert_eq!(a.as_slice(), ["x", "y", "z"]);
        assert!(!Arc::ptr_eq(&a.buffer, &c.buffer), "copied instead");
    }

    #[test]
    fn grows_and_drops_every_element_once() {
        let token = Arc::new(());
        {
            let mut v = SharedVec::new();
            let mut old = Vec::new();
            for i in 0..1_000 {
                v.push((i, Arc::clone(&token)));
                if i % 97 == 0 {
                    old.push(v.clone());
                }
            }
            assert_eq!(v.len(), 1_000);
            assert!(v.iter().enumerate().all(|(i, (j, _))| i == *j));
            for o in &old {
                assert!(o.iter().enumerate().all(|(i, (j, _))| i == *j));
            }
        }
        assert_eq!(Arc::strong_count(&token), 1, "no leak, no double drop");
    }

    #[test]
    fn readers_on_other_threads_see_whole_elements() {
        let mut v: SharedVec<Vec<u64>> = SharedVec::new();
        let (tx, rx) = std::sync::mpsc::channel::<SharedVec<Vec<u64>>>();
        let reader = std::thread::spawn(move || {
            let mut seen = 0;
            for snapshot in rx {
                for (i, item) in snapshot.iter().enumerate() {
                    assert_eq!(item, &vec![i as u64; 3]);
                }
                seen = snapshot.len();
            }
            seen
        });
        for i in 0..5_000u64 {
            v.push(vec![i; 3]);
            tx.send(v.clone()).unwrap();
        }
        drop(tx);
        assert_eq!(reader.join().unwrap(), 5_000);
    }
}
