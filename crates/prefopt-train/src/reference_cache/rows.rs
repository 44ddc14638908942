//! The rows of a finite task as the cache sees them: every (prompt, completion) sequence of
//! both splits, read back to the host, and the key of each.

use prefopt_core::burn::tensor::{Device, Int, Tensor};
use prefopt_core::{PrefoptError, SequenceBatch, Split, Task, TaskBatch};
use std::collections::HashMap;
use xxhash_rust::xxh3::{Xxh3Default, xxh3_128};

/// The bytes a row is hashed as: the prompt length, then the prompt and completion ids, each
/// little-endian (`u64`, then `u32`s), so that no two (prompt, completion) splits of the same
/// ids collide.
fn row_bytes(prompt: &[u32], completion: &[u32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + 4 * (prompt.len() + completion.len()));
    bytes.extend_from_slice(&(prompt.len() as u64).to_le_bytes());
    for id in prompt.iter().chain(completion) {
        bytes.extend_from_slice(&id.to_le_bytes());
    }
    bytes
}

/// The cache key of a (prompt, completion) row: XXH3-128 of its token ids (prompt length
/// first), so a lookup needs no index into the data.
pub fn row_key(prompt: &[u32], completion: &[u32]) -> u128 {
    xxh3_128(&row_bytes(prompt, completion))
}

/// A row's real (unpadded) prompt and completion ids.
pub(super) type HostRow = (Vec<u32>, Vec<u32>);

/// Each row of `batch` as its real (unpadded) prompt and completion ids, read to the host.
pub(super) fn host_rows(batch: &SequenceBatch) -> Result<Vec<HostRow>, PrefoptError> {
    let ids = |tensor: &Tensor<2, Int>| -> Result<Vec<i64>, PrefoptError> {
        tensor
            .clone()
            .into_data()
            .try_into_vec_as::<i64>()
            .map_err(|error| PrefoptError::Data(format!("reading token ids: {error:?}")))
    };
    let (prompts, completions) = (ids(&batch.prompts)?, ids(&batch.completions)?);
    let (prompt_width, completion_width) = (batch.prompts.dims()[1], batch.completions.dims()[1]);
    let to_u32 = |values: &[i64]| values.iter().map(|&id| id as u32).collect::<Vec<_>>();
    Ok(batch
        .lengths()
        .into_iter()
        .enumerate()
        .map(|(row, (prompt_len, completion_len))| {
            let prompt = &prompts[row * prompt_width..row * prompt_width + prompt_len];
            let completion =
                &completions[row * completion_width..row * completion_width + completion_len];
            (to_u32(prompt), to_u32(completion))
        })
        .collect())
}

/// Calls `visit` with every batch of `task`: the training split, then the held-out one,
/// `batch_size` examples at a time, in order.
///
/// # Errors
/// When the task is not a finite data set read by position, or `visit` fails.
pub(super) fn for_each_task_batch(
    task: &dyn Task,
    batch_size: usize,
    device: &Device,
    visit: &mut dyn FnMut(TaskBatch) -> Result<(), PrefoptError>,
) -> Result<(), PrefoptError> {
    if task.examples(Split::Train).is_none() {
        return Err(PrefoptError::Incompatible(format!(
            "reference log-probs are cached for the examples of a finite data set read by position, and this task samples its data: {task:?}"
        )));
    }
    for split in [Split::Train, Split::Eval] {
        let indices: Vec<usize> = (0..task.examples(split).unwrap_or(0)).collect();
        for chunk in indices.chunks(batch_size) {
            visit(task.batch_at(split, chunk, device)?)?;
        }
    }
    Ok(())
}

/// Calls `visit` with every sequence batch of `task` ([`for_each_task_batch`]); a batch of
/// pairs as its chosen then its rejected sequences.
///
/// # Errors
/// When the task is not a finite data set read by position, or `visit` fails.
pub(super) fn for_each_batch(
    task: &dyn Task,
    batch_size: usize,
    device: &Device,
    visit: &mut dyn FnMut(&SequenceBatch) -> Result<(), PrefoptError>,
) -> Result<(), PrefoptError> {
    for_each_task_batch(task, batch_size, device, &mut |batch| match batch {
        TaskBatch::Pairs(pairs) => {
            visit(&pairs.chosen)?;
            visit(&pairs.rejected)
        }
        TaskBatch::Unpaired(unpaired) => visit(&unpaired.sequences),
    })
}

/// XXH3-128 of the token ids of every row of `task`, in order ([`for_each_batch`]), with the
/// number of examples of each split.
pub(super) fn data_fingerprint(
    task: &dyn Task,
    batch_size: usize,
    device: &Device,
) -> Result<u128, PrefoptError> {
    let mut hasher = Xxh3Default::new();
    for split in [Split::Train, Split::Eval] {
        hasher.update(split.as_str().as_bytes());
        hasher.update(&(task.examples(split).unwrap_or(0) as u64).to_le_bytes());
    }
    for_each_batch(task, batch_size, device, &mut |batch| {
        for (prompt, completion) in host_rows(batch)? {
            hasher.update(&row_bytes(&prompt, &completion));
            hasher.update(&(completion.len() as u64).to_le_bytes());
        }
        Ok(())
    })?;
    Ok(hasher.digest128())
}

/// Adds each row of `batch` with its per-token log-probs (`values`, `[batch, completion_len]`)
/// to `logps`, keyed by [`row_key`]; a row already there keeps its first values.
pub(super) fn insert_rows(
    logps: &mut HashMap<u128, Vec<f32>>,
    batch: &SequenceBatch,
    values: Tensor<2>,
) -> Result<(), PrefoptError> {
    let width = values.dims()[1];
    let values = values
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|error| PrefoptError::Data(format!("reading reference log-probs: {error:?}")))?;
    for (row, (prompt, completion)) in host_rows(batch)?.into_iter().enumerate() {
        let start = row * width;
        logps
            .entry(row_key(&prompt, &completion))
            .or_insert_with(|| values[start..start + completion.len()].to_vec());
    }
    Ok(())
}
