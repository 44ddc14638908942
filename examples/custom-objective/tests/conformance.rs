//! DPOP passes prefopt's conformance suite, matches values computed by hand, and is listed by the
//! `prefopt-custom` binary.

use custom_objective_example::Dpop;
use prefopt::registry::{find, plugins};
use prefopt::{PluginKind, PreferenceObjective};
use prefopt_conformance::{
    check_gradient_direction, check_round_trip, check_trains, objective_from_toml,
    objective_loss_and_gradients,
};
use proptest::prelude::*;

/// The registry entry and the example config of `dpop`.
fn dpop_info() -> &'static prefopt::PluginInfo {
    find(PluginKind::Objective, "dpop").unwrap_or_else(|| {
        let names: Vec<_> = plugins().iter().map(|p| p.name).collect();
        panic!("dpop is not registered; registered: {names:?}")
    })
}

fn example() -> Box<dyn PreferenceObjective> {
    objective_from_toml(&(dpop_info().example)().unwrap()).unwrap()
}

#[test]
fn dpop_is_registered_next_to_the_built_in_objectives() {
    let info = dpop_info();
    assert_eq!(info.paper, "arXiv:2402.13228");
    assert!(find(PluginKind::Objective, "dpo").is_some());
}

#[test]
fn its_example_config_round_trips_and_validates() {
    check_round_trip(dpop_info()).unwrap();
    example().validate().unwrap();
    let text = (dpop_info().example)().unwrap();
    assert!(text.contains("lambda = 50.0"), "{text}");
}

#[test]
fn validate_rejects_unusable_knobs_by_name() {
    for (beta, lambda, field) in [
        (0.0, 50.0, "beta"),
        (f64::NAN, 50.0, "beta"),
        (0.1, -1.0, "lambda"),
        (0.1, f64::INFINITY, "lambda"),
    ] {
        let error = Dpop { beta, lambda }.validate().unwrap_err();
        assert_eq!(error.field, field);
    }
    Dpop {
        beta: 0.1,
        lambda: 0.0,
    }
    .validate()
    .unwrap();
}

#[test]
fn an_unknown_knob_is_an_error() {
    let error =
        objective_from_toml("[algorithm.objective]\ntype = \"dpop\"\nlamda = 5.0\n").unwrap_err();
    assert!(error.contains("lamda"), "{error}");
}

#[test]
fn its_gradient_favours_the_chosen_completion() {
    check_gradient_direction("dpop", &*example()).unwrap();
}

#[test]
fn it_trains_a_few_steps() {
    check_trains("dpop", example()).unwrap();
}

#[test]
fn loss_and_gradients_match_values_computed_by_hand() {
    // Pair 1: chosen log-ratio -1 - (-2) = 1 (no penalty), rejected -3 - (-2.5) = -0.5:
    //   logit 0.1 * 1.5 = 0.15, loss ln(1 + e^-0.15) = 0.620957.
    // Pair 2: chosen log-ratio -0.2 (penalty 0.2), rejected 0.5:
    //   logit 0.1 * (-0.7 - 50 * 0.2) = -1.07, loss ln(1 + e^1.07) = 1.364912.
    let dpop = Dpop::default();
    let (loss, g_chosen, g_rejected) = objective_loss_and_gradients(
        &dpop,
        &[-1.0, -2.2],
        &[-3.0, -2.0],
        &[-2.0, -2.0],
        &[-2.5, -2.5],
        &[1.0, 1.0],
        &[1.0, 1.0],
    );
    assert!((loss - 0.992_934_7).abs() < 1e-5, "loss {loss}");
    // dL/dlog pi(y_w) = -sigmoid(-logit) * beta * (1 + lambda * [penalty active]) / batch.
    assert!((g_chosen[0] - -0.023_128_5).abs() < 1e-5, "{g_chosen:?}");
    assert!((g_chosen[1] - -1.898_722).abs() < 1e-4, "{g_chosen:?}");
    // dL/dlog pi(y_l) = sigmoid(-logit) * beta / batch.
    assert!((g_rejected[0] - 0.023_128_5).abs() < 1e-5, "{g_rejected:?}");
    assert!(
        (g_rejected[1] - 1.898_722 / 51.0).abs() < 1e-5,
        "{g_rejected:?}"
    );
}

#[test]
fn with_lambda_zero_it_is_dpo() {
    let dpo = objective_from_toml("[algorithm.objective]\ntype = \"dpo\"\nbeta = 0.3\n").unwrap();
    let dpop = Dpop {
        beta: 0.3,
        lambda: 0.0,
    };
    let values = (
        [-1.0f32, -9.0, -4.0],
        [-2.0f32, -1.0, -4.5],
        [-1.5f32, -3.0, -4.0],
        [-1.0f32, -2.0, -6.0],
    );
    let tokens = [1.0f32, 2.0, 3.0];
    let of = |objective: &dyn PreferenceObjective| {
        objective_loss_and_gradients(
            objective, &values.0, &values.1, &values.2, &values.3, &tokens, &tokens,
        )
    };
    let (a, b) = (of(&*dpo), of(&dpop));
    assert!((a.0 - b.0).abs() < 1e-6, "{a:?} {b:?}");
    for (x, y) in a.1.iter().chain(&a.2).zip(b.1.iter().chain(&b.2)) {
        assert!((x - y).abs() < 1e-6, "{a:?} {b:?}");
    }
}

#[test]
fn the_prefopt_custom_binary_lists_dpop() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_prefopt-custom"))
        .args(["plugins", "--kind", "objective"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("dpop"), "{stdout}");
    assert!(
        stdout.contains("dpo "),
        "the built-ins are listed too:\n{stdout}"
    );
}

/// One pair of the finiteness property: policy and reference log-probs of chosen and rejected,
/// and the two token counts.
type Pair = (f32, f32, f32, f32, u16, u16);

/// One column of the pairs, as the conformance suite's inputs.
fn column(pairs: &[Pair], field: fn(&Pair) -> f32) -> Vec<f32> {
    pairs.iter().map(field).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Loss and gradients stay finite for log-probs (and so margins) up to 1e3 in size, at the
    /// default lambda of 50 (logits up to about 5e3).
    #[test]
    fn dpop_is_finite_on_extreme_inputs(
        pairs in proptest::collection::vec(
            (-1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, -1e3f32..=0.0, 1u16..512, 1u16..512),
            1..6,
        )
    ) {
        let (loss, g_chosen, g_rejected) = objective_loss_and_gradients(
            &Dpop::default(),
            &column(&pairs, |p| p.0),
            &column(&pairs, |p| p.1),
            &column(&pairs, |p| p.2),
            &column(&pairs, |p| p.3),
            &column(&pairs, |p| f32::from(p.4)),
            &column(&pairs, |p| f32::from(p.5)),
        );
        prop_assert!(loss.is_finite(), "loss {loss}");
        prop_assert!(
            g_chosen.iter().chain(&g_rejected).all(|g| g.is_finite()),
            "gradients {g_chosen:?} {g_rejected:?}"
        );
    }
}
