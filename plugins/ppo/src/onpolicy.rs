//! The loop PPO, GRPO and RLOO share: roll out, let the algorithm turn the rollout into an
//! update plan, update, log, evaluate against the known answer, checkpoint.

use crate::checkpoint::{RlState, restore_rl_checkpoint, write_rl_checkpoint};
use crate::critic::{CriticKind, CriticModel, ValueTable};
use crate::kl_control::{AdaptiveKl, KlController};
/// An update's metrics under TRL's names (moved to [`crate::onpolicy_metrics`]).
pub use crate::onpolicy_metrics::update_metrics;
use crate::onpolicy_metrics::{completion_metrics, is_evaluation};
use crate::rollout::{
    Rollout, RolloutMode, check_finite, host_values, population_rollout, sampled_rollout,
};
use crate::sampled_eval::{SampledAnswer, SampledEvalSize, sampling_options};
use crate::update::{Critic, UpdatePlan, update};
use prefopt_core::TrainLength;
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::{
    MetricValues, Policy, PrefoptError, RunContext, RunReport, SamplingOptions, TrainConfig,
};
use prefopt_models::{TrunkConfig, ValueModel};
use prefopt_train::checkpoint::CheckpointState;
use prefopt_train::evaluate::KnownAnswer;
use prefopt_train::offline::batch_rng;
use prefopt_train::optimizer::{TrainingOptimizer, adam};
use prefopt_train::schedule::LrSchedule;
use std::fmt::Debug;
use std::time::Instant;
use tracing::{debug, info, info_span};

/// The settings every on-policy algorithm gives the loop.
#[derive(Debug, Clone)]
pub struct Common<'a> {
    /// Population or sampled rollouts.
    pub rollouts: RolloutMode,
    /// Completions per prompt in sampled mode (GRPO's and RLOO's groups; 1 for PPO).
    pub per_prompt: usize,
    /// The KL coefficient beta at the start (pi* is measured at this beta).
    pub kl_coef: f64,
    /// An adaptive controller for beta, if any.
    pub adaptive: Option<AdaptiveKl>,
    /// The critic trained beside the policy.
    pub critic: CriticKind,
    /// The value model's trunk with `critic = "value_model"` (none: the tiny random one).
    pub value_model: Option<&'a TrunkConfig>,
    /// How language-model policies generate (none: the defaults).
    pub sampling: Option<&'a SamplingOptions>,
    /// Subtracted from the score of a completion without EOS.
    pub missing_eos_penalty: Option<f64>,
}

impl<'a> Common<'a> {
    /// The settings of an algorithm without a critic, a KL controller or an EOS penalty (GRPO,
    /// RLOO): `per_prompt` completions per prompt in sampled mode, beta fixed at `kl_coef`.
    pub fn critic_free(
        rollouts: RolloutMode,
        per_prompt: usize,
        kl_coef: f64,
        sampling: Option<&'a SamplingOptions>,
    ) -> Self {
        Self {
            rollouts,
            per_prompt,
            kl_coef,
            adaptive: None,
            critic: CriticKind::None,
            value_model: None,
            sampling,
            missing_eos_penalty: None,
        }
    }
}

/// What an algorithm makes of a rollout.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The update to run.
    pub plan: UpdatePlan,
    /// The rollout's metrics (`objective/...`, TRL's names).
    pub metrics: MetricValues,
    /// The mean KL to the reference per completion (the adaptive controller's input).
    pub kl: f64,
}

/// An on-policy algorithm, as the loop sees it.
pub trait OnPolicy: Debug {
    /// `ppo`, `grpo` or `rloo`.
    fn name(&self) -> &'static str;

    /// Its settings for the loop.
    fn common(&self) -> Common<'_>;

    /// The update plan for `rollout` at KL coefficient `beta`; `values` are the critic's values
    /// per token (`[rows, width]`) when it has one.
    fn plan(
        &self,
        rollout: &Rollout,
        values: Option<&[f64]>,
        beta: f64,
    ) -> Result<Planned, PrefoptError>;
}

/// The number of steps (rollouts) of `train`: on-policy runs count steps, not epochs.
pub fn rollout_steps(train: &TrainConfig, name: &str) -> Result<usize, PrefoptError> {
    match train.length() {
        TrainLength::Steps(steps) => Ok(steps),
        TrainLength::Epochs(epochs) => Err(PrefoptError::Incompatible(format!(
            "train.epochs = {epochs}: algorithm `{name}` generates its own data each step, so it \
             has no epochs; give `train.steps` (rollouts) instead"
        ))),
    }
}

/// Runs `algorithm` in `ctx`: builds the policy (on the autodiff device), its frozen reference,
/// the reward model (`[reward]`), the critic; then `train.steps` times rolls out, plans and
/// updates. Logs every `log_every` steps; on tasks whose outputs can be enumerated adds
/// `kl/optimal` (to pi* at the starting `kl_coef`), `kl/reference`, `reward/true`, ... every
/// `eval_every` steps, and on prompt tasks the same names estimated from sampled completions
/// with standard errors ([`SampledAnswer`], its reference samples drawn from the policy at step
/// 0, which is pi_ref, before any checkpoint is loaded). Checkpoints every `checkpoint_every` steps and on a stop request;
/// resumes from `ctx.control.resume_from`. Each step's random draws come from a generator keyed
/// by (seed, step), so a resumed run repeats an uninterrupted one.
pub fn run_on_policy(
    algorithm: &dyn OnPolicy,
    ctx: &mut RunContext<'_>,
) -> Result<RunReport, PrefoptError> {
    let name = algorithm.name();
    let train = ctx.train;
    let steps = rollout_steps(train, name)?;
    let span = info_span!("on_policy", algorithm = name, steps);
    let _guard = span.enter();
    let common = algorithm.common();
    let task = ctx.task;
    let seed = ctx.seed;
    let schedule = LrSchedule::new(train, steps);
    let reward_config = ctx.reward.ok_or_else(|| {
        PrefoptError::Incompatible(format!(
            "algorithm `{name}` scores completions with a reward model: add a `[reward]` \
             section, e.g. `[reward] type = \"ground_truth\"` (or \"learned\", \"saved\")"
        ))
    })?;
    let truth = task.truth();
    if common.rollouts == RolloutMode::Population && truth.is_none() {
        return Err(PrefoptError::Incompatible(
            "algorithm.rollouts: population rollouts need a task whose outputs can be \
             enumerated; give a number of sampled completions per step (`rollouts = 64`)"
                .into(),
        ));
    }
    let prompts = crate::onpolicy_check::task_prompts(task, name)?;
    let reward = reward_config.build(task, seed, &ctx.device)?;
    let device = train.training_device(&ctx.device);
    let mut policy = ctx.policy.build(task, &device)?;
    // The reference is the initial policy, frozen before any checkpoint is loaded.
    let reference = policy.freeze();
    let generates = policy.log_prob_table().is_none();
    let sampling = sampling_options(common.sampling, &*policy);
    if common.missing_eos_penalty.is_some() {
        if !generates {
            return Err(PrefoptError::Incompatible(
                "algorithm.missing_eos_penalty: this policy's completions are single actions \
                 with no EOS token, so none can miss one; remove the field"
                    .into(),
            ));
        }
        if sampling.stop_token_ids.is_empty() {
            return Err(PrefoptError::Incompatible(
                "algorithm.missing_eos_penalty: generation has no stop token (the policy has no \
                 tokenizer naming an EOS), so every completion would miss one; give \
                 `[algorithm.sampling] stop_token_ids = [...]`"
                    .into(),
            ));
        }
    }
    let mut critic = match common.critic {
        CriticKind::Table => {
            let contexts = truth.map(|t| t.contexts).ok_or_else(|| {
                PrefoptError::Incompatible(
                    "algorithm.critic = \"table\": a value per context needs a task whose \
                     contexts can be enumerated; use critic = \"value_model\" (a value per \
                     token) or \"none\""
                        .into(),
                )
            })?;
            if generates {
                return Err(PrefoptError::Incompatible(
                    "algorithm.critic = \"table\": a value per context is the critic of a policy \
                     whose completions are one action (a table); this policy generates token \
                     sequences: use critic = \"value_model\" (a value per token) or \"none\""
                        .into(),
                ));
            }
            Some((
                CriticModel::Table(ValueTable::new(contexts, &device)),
                adam(train),
            ))
        }
        CriticKind::ValueModel => {
            if !generates {
                return Err(PrefoptError::Incompatible(
                    "algorithm.critic = \"value_model\": a value model reads token sequences; \
                     this policy's completions are one action of a table, whose critic is \
                     critic = \"table\""
                        .into(),
                ));
            }
            let config = common.value_model.cloned().unwrap_or_default();
            config
                .validate("algorithm.value_model")
                .map_err(PrefoptError::from)?;
            // Built after the policy and its reference are initialized: its seeded draws do
            // not move theirs.
            let (model, _) = ValueModel::new(&config, &device)?;
            Some((CriticModel::Model(Box::new(model)), adam(train)))
        }
        CriticKind::None => None,
    };
    let known = KnownAnswer::new(task, (common.kl_coef > 0.0).then_some(common.kl_coef));
    // Built before any checkpoint is loaded: its reference samples come from the policy at
    // step 0, which is pi_ref.
    let sampled_answer = (known.is_none() && generates)
        .then(|| {
            SampledAnswer::new(
                task.eval_prompts().unwrap_or(&prompts),
                task.true_reward(),
                (common.kl_coef > 0.0).then_some(common.kl_coef),
                SampledEvalSize::of(train),
                &*policy,
                &sampling,
                &ctx.device,
                seed,
            )
        })
        .transpose()?;
    let mut optimizer = TrainingOptimizer::new(train);
    let mut controller = KlController::new(common.kl_coef, common.adaptive);
    let mut first_step = 0;
    let mut earlier_seconds = 0.0;
    if let Some(dir) = &ctx.control.resume_from {
        let critic_parts = critic.take();
        let (model, critic_optimizer) = match critic_parts {
            Some((model, critic_optimizer)) => (Some(model), Some(critic_optimizer)),
            None => (None, None),
        };
        let mut model = model;
        let (restored, restored_critic, state, rl) = restore_rl_checkpoint(
            dir,
            &mut *policy,
            optimizer,
            model.as_mut().zip(critic_optimizer),
        )?;
        state.check_seed(dir, seed)?;
        optimizer = restored;
        critic = model.zip(restored_critic);
        controller.value = rl.kl_coef;
        first_step = state.step;
        earlier_seconds = state.wall_seconds;
        info!(step = first_step, checkpoint = %dir.display(), "resuming");
    }
    info!(params = policy.num_params(), rollouts = ?common.rollouts, "training");
    let started = Instant::now();
    let wall = || earlier_seconds + started.elapsed().as_secs_f64();
    let checkpoint = |step: usize,
                      policy: &dyn Policy,
                      optimizer: &TrainingOptimizer,
                      critic: &Option<(CriticModel, ModuleOptimizer)>,
                      kl_coef: f64| {
        let state = CheckpointState::resumable_at(step, seed, wall(), schedule);
        ctx.out_dir
            .as_deref()
            .map(|dir| {
                write_rl_checkpoint(
                    dir,
                    policy,
                    optimizer.module_optimizer(),
                    critic.as_ref().map(|(model, optimizer)| (model, optimizer)),
                    RlState { kl_coef },
                    state,
                )
            })
            .transpose()
    };
    let mut finished = steps;
    let mut last = MetricValues::new();
    for done in first_step..steps {
        if ctx.control.stop.is_requested() {
            let written = checkpoint(done, &*policy, &optimizer, &critic, controller.value)?;
            info!(step = done, checkpoint = ?written, "stopping on request");
            ctx.control.stop.stopped_after(done);
            finished = done;
            break;
        }
        let mut rng = batch_rng(seed, done);
        let rollout = match (common.rollouts, truth) {
            (RolloutMode::Population, Some(truth)) => population_rollout(
                &*policy,
                &*reference,
                &*reward.model,
                truth.contexts,
                truth.outputs,
                done,
                &device,
            )?,
            (RolloutMode::Sampled(total), _) => sampled_rollout(
                &*policy,
                &*reference,
                &*reward.model,
                &prompts,
                common.per_prompt,
                total,
                &sampling,
                done,
                &mut rng,
                &device,
            )?,
            (RolloutMode::Population, None) => unreachable!("refused before the loop"),
        };
        let values = critic
            .as_ref()
            .map(|(model, _)| critic_values(model, &rollout, done))
            .transpose()?;
        let planned = algorithm.plan(&rollout, values.as_deref(), controller.value)?;
        // The policy the step starts from is measured, as its rollout is.
        let evaluate = done % train.eval_every == 0;
        let evaluation = match (&known, &sampled_answer) {
            (Some(known), _) if evaluate => known.evaluate(&*policy),
            (None, Some(answer)) if evaluate => {
                answer.evaluate(&*policy, &*reference, &ctx.device)?
            }
            _ => Vec::new(),
        };
        let mut rollout_values = if generates {
            completion_metrics(&rollout)
        } else {
            Vec::new()
        };
        if known.is_none()
            && let Some(truth) = task.true_reward()
        {
            let scores = host_values(truth.score(&rollout.sequences));
            rollout_values.push(("objective/true_scores".into(), rollout.mean(&scores)));
        }
        let lr = schedule.lr(done);
        let stats = update(
            &mut *policy,
            &mut optimizer,
            critic
                .as_mut()
                .map(|(model, optimizer)| Critic { model, optimizer }),
            &rollout,
            &planned.plan,
            lr,
            &mut rng,
            done,
        )?;
        let beta = controller.value;
        let completions = if rollout.population {
            rollout.prompts
        } else {
            rollout.len()
        };
        controller.update(planned.kl, completions);
        let mut values = planned.metrics;
        values.extend(rollout_values);
        values.extend(update_metrics(&stats));
        values.push(("objective/kl_coef".into(), beta));
        values.push(("lr".into(), lr));
        values.extend(evaluation);
        values.push(("wall_seconds".into(), wall()));
        if done % train.log_every == 0 || evaluate {
            debug!(step = done, ?values, "step");
            ctx.sink.log(done, &values)?;
        }
        last = values;
        let step = done + 1;
        if train.checkpoint_due(step) {
            checkpoint(step, &*policy, &optimizer, &critic, controller.value)?;
        }
        ctx.sink.progress(step, steps);
    }
    // The state reached: the last step's rollout metrics and the trained policy's evaluation.
    let mut metrics: MetricValues = last
        .into_iter()
        .filter(|(name, _)| !is_evaluation(name) && name != "wall_seconds")
        .collect();
    if let Some(known) = &known {
        metrics.extend(known.evaluate(&*policy));
    }
    if let Some(answer) = &sampled_answer {
        metrics.extend(answer.evaluate(&*policy, &*reference, &ctx.device)?);
    }
    metrics.extend(reward.metrics.iter().cloned());
    ctx.sink.log(finished, &metrics)?;
    info!(seconds = wall(), steps = finished, "trained");
    Ok(RunReport {
        metrics,
        artifacts: Vec::new(),
        policy: Some(policy),
        steps: finished,
    })
}

/// The critic's value before each completion token, `[rows, width]` on the host (a table's:
/// `[rows, 1]`).
fn critic_values(
    critic: &CriticModel,
    rollout: &Rollout,
    step: usize,
) -> Result<Vec<f64>, PrefoptError> {
    if rollout.width != 1 && critic.is_table() {
        return Err(PrefoptError::Incompatible(format!(
            "algorithm.critic: at step {step} completions have {} token positions, and a value \
             table gives one value per context (one-token completions); use critic = \
             \"value_model\" or \"none\"",
            rollout.width
        )));
    }
    let values = host_values(critic.values(&rollout.sequences).detach());
    check_finite(
        "the critic's value",
        &values,
        rollout.width,
        step,
        &rollout.prompt_of,
    )?;
    Ok(values)
}
