//! What the `offline` algorithm refuses before training, checked without building a policy.

use crate::offline::Offline;
use crate::pairs::objective_name;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{DataKind, PrefoptError, Split, Task, TaskBatch};

/// Refuses a task `offline` cannot train on with its objective: a training split without
/// examples, unpaired examples (desirable/undesirable completions) for an objective that trains
/// on pairs, and `precompute_ref_log_probs` where there is no finite data set to score or the
/// objective compares mismatched pairs. Reads at most one example.
pub fn check_offline_task(
    offline: &Offline,
    task: &dyn Task,
    device: &Device,
) -> Result<(), PrefoptError> {
    let objective = &*offline.objective;
    let examples = task.examples(Split::Train);
    if examples == Some(0) {
        return Err(PrefoptError::Data(
            "the task's training split holds no example: there is nothing to train on".into(),
        ));
    }
    if offline.precompute_ref_log_probs && objective.needs_reference() {
        if objective.data() == DataKind::Unpaired {
            return Err(PrefoptError::Incompatible(format!(
                "algorithm.precompute_ref_log_probs: the objective {} compares mismatched \
                 (prompt, completion) pairs that are not examples of the data, so their \
                 reference log-probs cannot be precomputed; leave it false",
                objective_name(objective)
            )));
        }
        if examples.is_none() {
            return Err(PrefoptError::Incompatible(
                "algorithm.precompute_ref_log_probs: the task samples its pairs (it is not a \
                 finite data set read by position), so there is nothing to score once; leave \
                 it false"
                    .into(),
            ));
        }
    }
    if examples.is_some()
        && objective.data() == DataKind::Paired
        && let TaskBatch::Unpaired(_) = task.batch_at(Split::Train, &[0], device)?
    {
        return Err(PrefoptError::Incompatible(format!(
            "objective `{}` trains on pairs (a chosen and a rejected completion per \
             prompt), but the task's examples are unpaired completions labelled desirable \
             or undesirable; use an unpaired objective such as `kto`",
            objective_name(objective)
        )));
    }
    Ok(())
}
