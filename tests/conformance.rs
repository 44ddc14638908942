//! Every registered plugin passes the conformance suite.

use prefopt::PluginKind;
use prefopt::registry::{plugins, plugins_of};
use prefopt_conformance::{
    check_gradient_direction, check_round_trip, check_trains, objective_loss_and_gradients,
    registered_objectives,
};
use proptest::prelude::*;

#[test]
fn the_built_in_plugins_are_registered() {
    let names: Vec<(PluginKind, &str)> = plugins().iter().map(|p| (p.kind, p.name)).collect();
    for expected in [
        (PluginKind::Objective, "dpo"),
        (PluginKind::Objective, "ipo"),
        (PluginKind::Algorithm, "exact"),
        (PluginKind::Algorithm, "offline"),
        (PluginKind::Task, "bandit"),
        (PluginKind::Policy, "tabular"),
    ] {
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
fn every_example_config_round_trips_through_toml() {
    for plugin in plugins() {
        check_round_trip(plugin).unwrap();
    }
}

#[test]
fn every_objective_descends_toward_the_chosen_completion() {
    for (name, objective) in registered_objectives() {
        check_gradient_direction(name, &*objective).unwrap();
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
    ] {
        assert!(!plugins_of(kind).is_empty(), "{kind}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Loss and gradients stay finite for log-probs (and so margins) up to 1e3 in size.
    #[test]
    fn every_objective_is_finite_on_extreme_margins(
        values in proptest::collection::vec((-1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, 1u16..512, 1u16..512), 1..6)
    ) {
        let column = |f: fn(&(f32, f32, f32, f32, u16, u16)) -> f32| values.iter().map(f).collect::<Vec<f32>>();
        let (pc, pr, rc, rr) = (column(|v| v.0), column(|v| v.1), column(|v| v.2), column(|v| v.3));
        let (tc, tr) = (column(|v| v.4 as f32), column(|v| v.5 as f32));
        for (name, objective) in registered_objectives() {
            let (loss, g_chosen, g_rejected) =
                objective_loss_and_gradients(&*objective, &pc, &pr, &rc, &rr, &tc, &tr);
            prop_assert!(loss.is_finite(), "{name}: loss {loss}");
            prop_assert!(g_chosen.iter().chain(&g_rejected).all(|g| g.is_finite()), "{name}: gradients {g_chosen:?} {g_rejected:?}");
        }
    }
}
