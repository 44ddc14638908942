//! Where GRPO comes to rest on population rollouts, against the rest points the analysis of
//! `prefopt_ppo::fixed_points` predicts for each placement of the KL estimator.

use crate::common;

use common::{bandit, per_context, train};
use prefopt_data::ReferenceKind;
use prefopt_partition::closed_form::optimal_log_policy;
use prefopt_ppo::fixed_points::{forward_kl_optimum, grpo_k3_fixed_point};
use prefopt_ppo::{CriticKind, Grpo, KlEstimator, KlPlacement, Ppo, ScaleRewards};

const BETA: f64 = 0.5;

fn grpo(estimator: KlEstimator, placement: KlPlacement, scale: ScaleRewards) -> Grpo {
    Grpo {
        kl_coef: BETA,
        kl_estimator: estimator,
        kl_placement: placement,
        scale_rewards: scale,
        ..Grpo::default()
    }
}

#[test]
fn grpo_defaults_rest_at_the_forward_kl_optimum_of_beta_times_the_group_deviation() {
    let config = bandit(4, 6, ReferenceKind::Random);
    let trained = train(
        &config,
        7,
        &grpo(KlEstimator::K3, KlPlacement::Loss, ScaleRewards::Group),
        3000,
        0.05,
        true,
    );
    let predicted = per_context(&trained.truth, |reference, rewards| {
        grpo_k3_fixed_point(reference, rewards, BETA, true)
    });
    let optimal = per_context(&trained.truth, |reference, rewards| {
        optimal_log_policy(reference, rewards, BETA)
    });
    let to_predicted = trained.kl_to(&predicted);
    let to_optimal = trained.kl_to(&optimal);
    assert!(
        to_predicted < 1e-6,
        "KL to the predicted rest point: {to_predicted}"
    );
    assert!(to_optimal > 0.1, "not pi*: KL {to_optimal}");
    assert!((trained.metric("kl/optimal") - to_optimal).abs() < 1e-6);
}

#[test]
fn grpo_without_scaling_rests_at_the_forward_kl_optimum() {
    let config = bandit(3, 5, ReferenceKind::Random);
    let trained = train(
        &config,
        3,
        &grpo(KlEstimator::K3, KlPlacement::Loss, ScaleRewards::None),
        3000,
        0.05,
        true,
    );
    let predicted = per_context(&trained.truth, |reference, rewards| {
        forward_kl_optimum(reference, rewards, BETA)
    });
    let to_predicted = trained.kl_to(&predicted);
    assert!(
        to_predicted < 1e-6,
        "KL to the predicted rest point: {to_predicted}"
    );
}

#[test]
fn k1_in_the_reward_reaches_pi_star_despite_group_scaling() {
    let config = bandit(3, 5, ReferenceKind::Random);
    let algorithm = grpo(KlEstimator::K1, KlPlacement::Reward, ScaleRewards::Group);
    let trained = train(&config, 5, &algorithm, 3000, 0.05, true);
    let kl = trained.metric("kl/optimal");
    assert!(kl < 1e-6, "kl/optimal {kl}");
}

#[test]
fn k2_in_the_loss_follows_the_reverse_kl_to_pi_star() {
    // Its gradient at pi_old is that of KL(pi || pi_ref), and with one step per rollout every
    // step is taken at pi_old: the run is the exact policy gradient's (RLOO's on population
    // rollouts), which closes in on pi* at its own slow pace (measured: 8.1e-4 after 500 steps,
    // 2.0e-4 after 1000, 1.3e-5 after 3000 at lr 0.05).
    let config = bandit(3, 5, ReferenceKind::Random);
    let algorithm = grpo(KlEstimator::K2, KlPlacement::Loss, ScaleRewards::None);
    let short = train(&config, 5, &algorithm, 1000, 0.05, false).metric("kl/optimal");
    let long = train(&config, 5, &algorithm, 3000, 0.05, false).metric("kl/optimal");
    assert!(
        long < 1e-4 && long < short / 4.0,
        "kl/optimal {short} after 1000 steps, {long} after 3000"
    );
}

#[test]
fn ppo_with_an_entropy_bonus_rests_at_the_tempered_optimum() {
    // E[r] - beta KL(pi || pi_ref) + c H(pi) is maximized by
    // pi ∝ pi_ref^(beta / (beta + c)) exp(r / (beta + c)). Unwhitened advantages keep the bonus's
    // weight relative to the reward's; without whitening the policy gradient closes in slowly
    // (measured: 1.0e-5 after 3000 steps, 1.7e-6 after 12000).
    let c = 0.2;
    let config = bandit(3, 5, ReferenceKind::Random);
    let algorithm = Ppo {
        kl_coef: BETA,
        entropy_coef: c,
        whiten_advantages: false,
        num_ppo_epochs: 1,
        critic: CriticKind::None,
        ..Ppo::default()
    };
    let trained = train(&config, 4, &algorithm, 3000, 0.05, false);
    let tempered = per_context(&trained.truth, |reference, rewards| {
        let tempered: Vec<f64> = reference.iter().map(|l| l * BETA / (BETA + c)).collect();
        optimal_log_policy(&tempered, rewards, BETA + c)
    });
    let to_tempered = trained.kl_to(&tempered);
    let to_optimal = trained.metric("kl/optimal");
    assert!(
        to_tempered < 1e-4 && to_tempered < to_optimal / 100.0,
        "KL to the tempered optimum {to_tempered}, to pi* {to_optimal}"
    );
}
