//! What on-policy algorithms (PPO, GRPO, RLOO) need of a task, checked before anything is
//! built: the prompts they sample for, a reward, and a critic the task can have.

use crate::critic::CriticKind;
use crate::onpolicy::OnPolicy;
use crate::rollout::RolloutMode;
use prefopt_core::{PrefoptError, Task};

/// The prompts completions are sampled for: a tabular task's contexts (one token each), or the
/// task's own prompts.
pub(crate) fn task_prompts(task: &dyn Task, name: &str) -> Result<Vec<Vec<u32>>, PrefoptError> {
    if let Some(truth) = task.truth() {
        return Ok((0..truth.contexts).map(|x| vec![x as u32]).collect());
    }
    match task.prompts() {
        Some(prompts) if !prompts.is_empty() => Ok(prompts.to_vec()),
        _ => Err(PrefoptError::Incompatible(format!(
            "algorithm `{name}` samples completions for the task's prompts, and this task gives \
             none (prompt tasks such as `token_reward` give theirs, and tasks whose outputs can \
             be enumerated, such as `bandit`, their contexts)"
        ))),
    }
}

/// What [`run_on_policy`](crate::onpolicy::run_on_policy) refuses before building anything: no `[reward]` section, a reward that
/// cannot be built for `task`, population rollouts on a task whose outputs cannot be enumerated,
/// a task with no prompts to sample for. Cheap: builds no policy and no reward model.
pub fn check_on_policy_task(
    algorithm: &dyn OnPolicy,
    task: &dyn Task,
    reward: Option<&dyn prefopt_core::RewardConfig>,
) -> Result<(), PrefoptError> {
    let name = algorithm.name();
    let reward = reward.ok_or_else(|| {
        PrefoptError::Incompatible(format!(
            "algorithm `{name}` scores completions with a reward model: add a `[reward]` \
             section, e.g. `[reward] type = \"ground_truth\"` (or \"learned\", \"saved\")"
        ))
    })?;
    reward.check_task(task)?;
    if algorithm.common().critic == CriticKind::Table && task.truth().is_none() {
        return Err(PrefoptError::Incompatible(
            "algorithm.critic = \"table\" (the default): a value per context needs a task \
             whose contexts can be enumerated; use critic = \"value_model\" (a value per \
             token) or \"none\""
                .into(),
        ));
    }
    if algorithm.common().rollouts == RolloutMode::Population && task.truth().is_none() {
        return Err(PrefoptError::Incompatible(
            "algorithm.rollouts: population rollouts need a task whose outputs can be \
             enumerated; give a number of sampled completions per step (`rollouts = 64`)"
                .into(),
        ));
    }
    task_prompts(task, name).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ppo::Ppo;
    use crate::reward::GroundTruth;
    use prefopt_core::TaskConfig;
    use prefopt_data::TokenRewardConfig;

    #[test]
    fn a_table_critic_on_a_prompt_task_is_refused_before_anything_is_built() {
        let task = TokenRewardConfig::default().build(0).unwrap();
        let table = Ppo {
            rollouts: RolloutMode::Sampled(8),
            ..Ppo::default()
        };
        let error = check_on_policy_task(&table, &*task, Some(&GroundTruth {}))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("algorithm.critic = \"table\"") && error.contains("value_model"),
            "{error}"
        );
        let value_model = Ppo {
            critic: CriticKind::ValueModel,
            ..table
        };
        check_on_policy_task(&value_model, &*task, Some(&GroundTruth {})).unwrap();
    }
}
