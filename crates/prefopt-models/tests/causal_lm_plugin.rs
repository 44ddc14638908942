//! The `causal_lm` policy plugin: configs that build, configs refused naming the field, and
//! checkpoints that load back.

use prefopt_core::burn::module::Module;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{Policy, PolicyConfig, SequenceBatch};
use prefopt_models::CausalLmPolicyConfig;
use prefopt_models::causal_lm::{CausalLm, CausalLmConfig, CausalLmPolicy, load_policy};

fn parse(text: &str) -> Result<CausalLmPolicyConfig, String> {
    toml::from_str(text).map_err(|error| error.to_string())
}

#[test]
fn tiny_and_explicit_architectures_validate() {
    let tiny = parse("tiny = true\nseed = 3").unwrap();
    assert!(tiny.validate().is_ok());
    let mut architecture = toml::Table::try_from(CausalLmConfig::tiny()).unwrap();
    architecture.insert("num_kv_heads".into(), 1.into());
    let text = format!(
        "seed = 1\n[architecture]\n{}",
        toml::to_string(&architecture).unwrap()
    );
    let explicit = parse(&text).unwrap();
    assert!(explicit.validate().is_ok());
    assert_eq!(explicit.architecture.unwrap().num_kv_heads, 1);
}

#[test]
fn bad_configs_are_refused_naming_the_field() {
    let error = parse("").unwrap().validate().unwrap_err().to_string();
    assert!(
        error.contains("policy.model") && error.contains("exactly one"),
        "{error}"
    );
    let error = parse("tiny = true\nmodel = \"x.gguf\"")
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(error.contains("exactly one"), "{error}");
    let mut architecture = toml::Table::try_from(CausalLmConfig::tiny()).unwrap();
    architecture.insert("num_kv_heads".into(), 3.into());
    let text = format!(
        "[architecture]\n{}",
        toml::to_string(&architecture).unwrap()
    );
    let error = parse(&text).unwrap().validate().unwrap_err().to_string();
    assert!(
        error.contains("policy.architecture.num_kv_heads")
            && error.contains("must divide num_heads = 4"),
        "{error}"
    );
    assert!(
        parse("tiny = true\nlayers = 3").is_err(),
        "unknown fields are refused"
    );
}

#[test]
fn empty_directories_and_missing_files_are_refused_with_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let error = load_policy(dir.path(), &Device::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains(&dir.path().display().to_string()), "{error}");
    let missing = dir.path().join("absent.gguf");
    let error = load_policy(&missing, &Device::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("absent.gguf"), "{error}");
}

#[test]
fn a_saved_policy_loads_back_into_the_same_model() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 4, &device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.bpk");
    policy.save(&path).unwrap();
    device.seed(99);
    let fresh = CausalLm::init(policy.config(), &device);
    let loaded = fresh.try_load_file(&path).unwrap();
    let reloaded = CausalLmPolicy::new(loaded, policy.config().clone(), None);
    let batch = SequenceBatch::from_ids(&[vec![1, 2, 3]], &[vec![4, 5]], 0, &device).unwrap();
    let expected = policy.sequence_logps(&batch).into_scalar::<f32>();
    assert_eq!(
        reloaded.sequence_logps(&batch).into_scalar::<f32>(),
        expected
    );
    assert_eq!(reloaded.num_params(), policy.num_params());
}

#[test]
fn a_checkpoint_restores_the_trained_model_and_refuses_another_shape() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 4, &device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.bpk");
    policy.save_checkpoint(&path).unwrap();
    let mut other = CausalLmPolicy::random(CausalLmConfig::tiny(), 5, &device).unwrap();
    let batch = SequenceBatch::from_ids(&[vec![1, 2, 3]], &[vec![4, 5]], 0, &device).unwrap();
    let expected = policy.sequence_logps(&batch).into_scalar::<f32>();
    assert_ne!(other.sequence_logps(&batch).into_scalar::<f32>(), expected);
    other.load_checkpoint(&path).unwrap();
    assert_eq!(other.sequence_logps(&batch).into_scalar::<f32>(), expected);

    let wider = CausalLmConfig {
        hidden_size: CausalLmConfig::tiny().hidden_size * 2,
        ..CausalLmConfig::tiny()
    };
    let mut mismatched = CausalLmPolicy::random(wider, 0, &device).unwrap();
    let error = mismatched.load_checkpoint(&path).unwrap_err().to_string();
    assert!(
        error.contains("policy.bpk") && error.contains("not a checkpoint of this model"),
        "{error}"
    );
}
