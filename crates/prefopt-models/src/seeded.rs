//! Random initialization that a seed reproduces, whatever else runs at the same time.

use crate::packing::initialize_now;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::tensor::Device;
use std::sync::{Mutex, PoisonError};

/// Seeds `device`'s generator with `seed`, builds a module with `build` and draws every one of
/// its lazily initialized parameters, all under one process-wide lock: the device's generator
/// is shared by every thread, so without the lock two models built at once (tests run in
/// parallel) would interleave their draws and one seed would give different weights.
pub fn seeded_module<M: Module>(device: &Device, seed: u64, build: impl FnOnce() -> M) -> M {
    static DRAWS: Mutex<()> = Mutex::new(());
    let _guard = DRAWS.lock().unwrap_or_else(PoisonError::into_inner);
    device.seed(seed);
    let module = build();
    initialize_now(&module);
    module
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::causal_lm::{CausalLm, CausalLmConfig};

    fn weights(seed: u64) -> Vec<f32> {
        let device = Device::default();
        let model = seeded_module(&device, seed, || {
            CausalLm::init(&CausalLmConfig::tiny(), &device)
        });
        model
            .embedding
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    }

    #[test]
    fn one_seed_gives_the_same_weights_across_threads() {
        let expected = weights(5);
        let threads: Vec<_> = (0..4)
            .map(|i| std::thread::spawn(move || (i, weights(if i % 2 == 0 { 5 } else { 6 }))))
            .collect();
        for thread in threads {
            let (i, got) = thread.join().unwrap();
            assert_eq!(got == expected, i % 2 == 0, "thread {i}");
        }
    }
}
