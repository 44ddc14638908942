//! Every registered plugin passes the conformance suite.

use prefopt::PluginKind;
use prefopt::PreferenceObjective;
use prefopt::registry::{plugins, plugins_of};
use prefopt_conformance::{
    check_gradient_direction, check_gradient_direction_at, check_policy, check_round_trip,
    check_trains, objective_loss_and_gradients, registered_objectives,
};
use proptest::prelude::*;
use std::sync::OnceLock;

#[test]
fn the_built_in_plugins_are_registered() {
    let names: Vec<(PluginKind, &str)> = plugins().iter().map(|p| (p.kind, p.name)).collect();
    let objectives = [
        "sigmoid",
        "dpo",
        "hinge",
        "ipo",
        "exo_pair",
        "nca_pair",
        "robust",
        "bco_pair",
        "sppo_hard",
        "aot",
        "aot_unpaired",
        "apo_zero",
        "apo_down",
        "discopop",
        "sft",
        "sigmoid_norm",
        "weighted",
        "trl",
    ]
    .map(|name| (PluginKind::Objective, name));
    for expected in objectives.into_iter().chain([
        (PluginKind::Algorithm, "exact"),
        (PluginKind::Algorithm, "offline"),
        (PluginKind::Algorithm, "reward_model"),
        (PluginKind::Algorithm, "ppo"),
        (PluginKind::Algorithm, "grpo"),
        (PluginKind::Algorithm, "rloo"),
        (PluginKind::Reward, "ground_truth"),
        (PluginKind::Reward, "learned"),
        (PluginKind::Reward, "saved"),
        (PluginKind::Task, "bandit"),
        (PluginKind::Task, "token_reward"),
        (PluginKind::Policy, "tabular"),
        (PluginKind::Policy, "causal_lm"),
    ]) {
        assert!(
            names.contains(&expected),
            "{expected:?} is not registered: {names:?}"
        );
    }
    for plugin in plugins() {
        assert!(
            !plugin.summary.is_empty() && !plugin.paper.is_empty(),
            "{}",
            plugin.name
        );
    }
}

#[test]
fn every_policy_passes_the_policy_checks() {
    let all = plugins();
    let policies: Vec<_> = all
        .iter()
        .filter(|plugin| plugin.kind == PluginKind::Policy)
        .collect();
    assert!(policies.len() >= 2);
    for plugin in policies {
        check_policy(plugin).unwrap();
    }
}

#[test]
fn every_example_config_round_trips_through_toml() {
    for plugin in plugins() {
        check_round_trip(plugin).unwrap();
    }
}

#[test]
fn every_objective_descends_toward_the_chosen_completion() {
    for (name, objective) in registered_objectives() {
        match name {
            // DiscoPOP (arXiv:2406.08414, eq. 5) blends -log sigmoid(z) into exp(-z) with weight
            // sigmoid(z / tau), z = beta * margin. At z = 0 the blend moves from log 2 toward 1, so
            // the loss rises with the margin for -2.4 tau < z < 1.5 tau (tau = 0.05: -0.118 < z <
            // 0.073): its gradient at the reference points away from the chosen completion by
            // design (the discovered loss is non-convex there). Outside that window it descends
            // toward the chosen completion: checked at z = beta * 2 * offset = -0.5 and +0.5
            // (10 tau either side) at the example config (beta = 0.1).
            "discopop" => check_gradient_direction_at(name, &*objective, &[-2.5, 2.5]).unwrap(),
            _ => check_gradient_direction(name, &*objective).unwrap(),
        }
    }
}

#[test]
fn every_objective_trains_a_few_steps() {
    for (name, objective) in registered_objectives() {
        check_trains(name, objective).unwrap();
    }
}

#[test]
fn every_objective_validates_its_example() {
    for (name, objective) in registered_objectives() {
        objective
            .validate()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn there_is_at_least_one_plugin_of_each_kind() {
    for kind in [
        PluginKind::Task,
        PluginKind::Policy,
        PluginKind::Algorithm,
        PluginKind::Objective,
        PluginKind::Reward,
    ] {
        assert!(!plugins_of(kind).is_empty(), "{kind}");
    }
}

/// One generated pair: policy chosen, policy rejected, reference chosen, reference rejected log-probs
/// and the two token counts.
type Row = (f32, f32, f32, f32, u16, u16);

/// Every registered objective at its example config, built once for the property test.
fn objectives() -> &'static [(&'static str, Box<dyn PreferenceObjective>)] {
    static OBJECTIVES: OnceLock<Vec<(&'static str, Box<dyn PreferenceObjective>)>> =
        OnceLock::new();
    OBJECTIVES.get_or_init(registered_objectives)
}

/// Each property-test case evaluates every registered objective: 1,000 cases, or more so that the
/// evaluations total at least 10,000 (about 2 s per 10,000 in a debug build).
fn finiteness_cases() -> u32 {
    10_000usize.div_ceil(objectives().len()).max(1_000) as u32
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(finiteness_cases()))]

    /// Loss and gradients stay finite for log-probs up to 1e3 in size (log-ratios and margins up
    /// to ±1e3 and ±2e3), over batches of 1 to 5 pairs, for every registered objective.
    #[test]
    fn every_objective_is_finite_on_extreme_margins(
        values in proptest::collection::vec((-1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, 1u16..512, 1u16..512), 1..6)
    ) {
        let column = |f: fn(&Row) -> f32| values.iter().map(f).collect::<Vec<f32>>();
        let (pc, pr, rc, rr) = (column(|v| v.0), column(|v| v.1), column(|v| v.2), column(|v| v.3));
        let (tc, tr) = (column(|v| v.4 as f32), column(|v| v.5 as f32));
        for (name, objective) in objectives() {
            let (loss, g_chosen, g_rejected) =
                objective_loss_and_gradients(&**objective, &pc, &pr, &rc, &rr, &tc, &tr);
            prop_assert!(loss.is_finite(), "{name}: loss {loss}");
            prop_assert!(g_chosen.iter().chain(&g_rejected).all(|g| g.is_finite()), "{name}: gradients {g_chosen:?} {g_rejected:?}");
        }
    }
}

/// The `[section]` of a plugin's example config.
fn example_section(info: &prefopt::PluginInfo, section: &str) -> toml::Value {
    let example = (info.example)().expect("example config");
    let document: toml::Table = example.parse().expect("example TOML");
    document[section].clone()
}

#[test]
fn every_algorithm_runs_a_few_steps_with_finite_metrics() {
    use prefopt::burn::tensor::Device;
    use prefopt::{Algorithm, MetricSink, RunContext, TaskConfig, TrainConfig};
    let task = prefopt::data::BanditConfig {
        contexts: 2,
        actions: 4,
        pairs: prefopt::data::PairsMode::Sampled(40),
        ..Default::default()
    }
    .build(3)
    .unwrap();
    let train = TrainConfig {
        steps: Some(5),
        lr: Some(0.05),
        log_every: 1,
        eval_every: 1,
        ..TrainConfig::default()
    };
    let algorithms = plugins_of(PluginKind::Algorithm);
    assert!(algorithms.len() >= 6);
    for info in algorithms {
        let algorithm: Box<dyn Algorithm> = example_section(info, "algorithm")
            .try_into()
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        algorithm
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        let mut sink = prefopt::train::MemorySink::default();
        let report = algorithm
            .run(&mut RunContext {
                task: &*task,
                policy: &prefopt::models::TabularPolicyConfig::default(),
                reward: Some(&prefopt::ppo::GroundTruth::default()),
                train: &train,
                device: Device::default(),
                seed: 0,
                sink: &mut sink as &mut dyn MetricSink,
                out_dir: None,
                control: Default::default(),
            })
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        assert!(!report.metrics.is_empty(), "{}: no metrics", info.name);
        for (step, values) in sink.records.iter().chain([&(report.steps, report.metrics)]) {
            for (metric, value) in values {
                assert!(
                    value.is_finite(),
                    "{}: step {step}: {metric} = {value}",
                    info.name
                );
            }
        }
    }
}

#[test]
fn every_reward_model_but_a_saved_one_builds_on_a_bandit() {
    use prefopt::burn::tensor::Device;
    use prefopt::{RewardConfig, SequenceBatch, TaskConfig};
    let task = prefopt::data::BanditConfig {
        pairs: prefopt::data::PairsMode::Sampled(200),
        ..Default::default()
    }
    .build(1)
    .unwrap();
    let device = Device::default();
    let batch = SequenceBatch::single_tokens(&[0, 1, 3], &[5, 0, 2], &device);
    for info in plugins_of(PluginKind::Reward) {
        let config: Box<dyn RewardConfig> = example_section(info, "reward")
            .try_into()
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        config
            .validate()
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        if info.name == "saved" {
            // Its example names a run directory that does not exist here: the error says so.
            let error = config.build(&*task, 1, &device).unwrap_err().to_string();
            assert!(error.contains("reward_model.json"), "{error}");
            continue;
        }
        let built = config
            .build(&*task, 1, &device)
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        let scores: Vec<f32> = built
            .model
            .score(&batch)
            .into_data()
            .try_into_vec()
            .unwrap();
        assert_eq!(scores.len(), 3, "{}", info.name);
        assert!(
            scores.iter().all(|s| s.is_finite()),
            "{}: {scores:?}",
            info.name
        );
        assert!(
            built.metrics.iter().all(|(_, v)| v.is_finite()),
            "{}",
            info.name
        );
    }
}
