//! The ggml tensor element types: names, block sizes and byte sizes.

/// A ggml tensor type, as stored in a GGUF tensor info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GgmlType(pub u32);

/// `(id, name, elements per block, bytes per block)`; a size of 0 marks a type whose layout
/// this reader does not know (it can still list such tensors, not read them).
const TYPES: &[(u32, &str, usize, usize)] = &[
    (0, "F32", 1, 4),
    (1, "F16", 1, 2),
    (2, "Q4_0", 32, 18),
    (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22),
    (7, "Q5_1", 32, 24),
    (8, "Q8_0", 32, 34),
    (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84),
    (11, "Q3_K", 256, 110),
    (12, "Q4_K", 256, 144),
    (13, "Q5_K", 256, 176),
    (14, "Q6_K", 256, 210),
    (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66),
    (17, "IQ2_XS", 256, 74),
    (18, "IQ3_XXS", 256, 98),
    (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18),
    (21, "IQ3_S", 256, 110),
    (22, "IQ2_S", 256, 82),
    (23, "IQ4_XS", 256, 136),
    (24, "I8", 1, 1),
    (25, "I16", 1, 2),
    (26, "I32", 1, 4),
    (27, "I64", 1, 8),
    (28, "F64", 1, 8),
    (29, "IQ1_M", 256, 56),
    (30, "BF16", 1, 2),
    (34, "TQ1_0", 256, 54),
    (35, "TQ2_0", 256, 66),
    (39, "MXFP4", 32, 17),
];

impl GgmlType {
    /// 32-bit floats.
    pub const F32: Self = Self(0);
    /// IEEE half floats.
    pub const F16: Self = Self(1);
    /// 4-bit blocks of 32 with an f16 scale: `w = d * (q - 8)`.
    pub const Q4_0: Self = Self(2);
    /// 4-bit blocks of 32 with an f16 scale and minimum: `w = d * q + m`.
    pub const Q4_1: Self = Self(3);
    /// 8-bit blocks of 32 with an f16 scale: `w = d * q`.
    pub const Q8_0: Self = Self(8);
    /// bfloat16.
    pub const BF16: Self = Self(30);

    fn entry(self) -> Option<&'static (u32, &'static str, usize, usize)> {
        TYPES.iter().find(|entry| entry.0 == self.0)
    }

    /// The type's name as llama.cpp spells it (`Q4_1`), or `type #N` when unknown.
    pub fn name(self) -> String {
        match self.entry() {
            Some(entry) => entry.1.to_string(),
            None => format!("type #{}", self.0),
        }
    }

    /// `(elements per block, bytes per block)`, when the layout is known.
    pub fn block_layout(self) -> Option<(usize, usize)> {
        self.entry().map(|entry| (entry.2, entry.3))
    }

    /// Whether [`crate::GgufFile::tensor_f32`] can dequantize this type.
    pub fn is_dequantizable(self) -> bool {
        matches!(
            self,
            Self::F32 | Self::F16 | Self::BF16 | Self::Q8_0 | Self::Q4_0 | Self::Q4_1
        )
    }
}

impl std::fmt::Display for GgmlType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}
