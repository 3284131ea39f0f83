//! Pointer operations shared by the two strategies built on `std::sync::Arc`.

/// Implements the pointer and weak-pointer half of [`Strategy`](super::Strategy) with
/// `std::sync::Arc` and `std::sync::Weak`. Neither traces: refcounting never needs to.
macro_rules! std_arc_pointer_ops {
    () => {
        type Ptr<T: Trace + 'static> = std::sync::Arc<T>;
        type WeakPtr<T: Trace + 'static> = std::sync::Weak<T>;

        #[inline]
        fn ptr_clone<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::Ptr<T> {
            std::sync::Arc::clone(ptr)
        }
        #[inline]
        fn ptr_deref<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> &T {
            ptr
        }
        #[inline]
        fn ptr_eq<T: Trace + 'static>(a: &Self::Ptr<T>, b: &Self::Ptr<T>) -> bool {
            std::sync::Arc::ptr_eq(a, b)
        }
        #[inline]
        fn ptr_trace<T: Trace + 'static, V: Visitor>(_: &Self::Ptr<T>, _: &mut V) {}

        #[inline]
        fn downgrade<T: Trace + 'static>(ptr: &Self::Ptr<T>) -> Self::WeakPtr<T> {
            std::sync::Arc::downgrade(ptr)
        }
        #[inline]
        fn upgrade<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Option<Self::Ptr<T>> {
            weak.upgrade()
        }
        #[inline]
        fn weak_clone<T: Trace + 'static>(weak: &Self::WeakPtr<T>) -> Self::WeakPtr<T> {
            weak.clone()
        }
        #[inline]
        fn weak_trace<T: Trace + 'static, V: Visitor>(_: &Self::WeakPtr<T>, _: &mut V) {}
    };
}

pub(super) use std_arc_pointer_ops;
