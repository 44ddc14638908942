//! The key/value cache of incremental decoding: one entry per block, appended step by step.

use prefopt_core::burn::tensor::Tensor;

/// The rotated keys and the values one attention layer has seen so far.
///
/// # Shapes
/// `keys`, `values`: `[batch, num_kv_heads, cached_len, head_dim]`.
#[derive(Debug, Clone, Default)]
pub struct LayerCache {
    keys: Option<Tensor<4>>,
    values: Option<Tensor<4>>,
}

impl LayerCache {
    /// Appends the new positions' keys and values and returns everything cached.
    ///
    /// # Shapes
    /// `keys`, `values`: `[batch, num_kv_heads, new_len, head_dim]`; returns
    /// `[batch, num_kv_heads, cached_len + new_len, head_dim]` twice.
    pub fn append(&mut self, keys: Tensor<4>, values: Tensor<4>) -> (Tensor<4>, Tensor<4>) {
        let keys = match self.keys.take() {
            Some(cached) => Tensor::cat(vec![cached, keys], 2),
            None => keys,
        };
        let values = match self.values.take() {
            Some(cached) => Tensor::cat(vec![cached, values], 2),
            None => values,
        };
        self.keys = Some(keys.clone());
        self.values = Some(values.clone());
        (keys, values)
    }

    /// The number of cached positions.
    pub fn len(&self) -> usize {
        self.keys.as_ref().map_or(0, |keys| keys.dims()[2])
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps only the batch rows `rows` (sequences still being generated).
    pub fn retain_rows(&mut self, rows: &Tensor<1, prefopt_core::burn::tensor::Int>) {
        self.keys = self.keys.take().map(|keys| keys.select(0, rows.clone()));
        self.values = self
            .values
            .take()
            .map(|values| values.select(0, rows.clone()));
    }
}

/// The caches of every block of a model.
#[derive(Debug, Clone)]
pub struct KvCache {
    layers: Vec<LayerCache>,
}

impl KvCache {
    /// An empty cache for a model of `num_layers` blocks.
    pub fn new(num_layers: usize) -> Self {
        Self {
            layers: vec![LayerCache::default(); num_layers],
        }
    }

    /// The number of cached positions (the position of the next token).
    pub fn len(&self) -> usize {
        self.layers.first().map_or(0, LayerCache::len)
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cache of each block.
    pub fn layers_mut(&mut self) -> &mut [LayerCache] {
        &mut self.layers
    }

    /// Keeps only the batch rows `rows` in every block.
    pub fn retain_rows(&mut self, rows: &Tensor<1, prefopt_core::burn::tensor::Int>) {
        for layer in &mut self.layers {
            layer.retain_rows(rows);
        }
    }
}
