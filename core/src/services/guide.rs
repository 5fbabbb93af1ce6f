//! The seed's setup guide: six steps, the benefits, and model information, per provider, from
//! the provider table.
use types::profile::{ModelInfo, SetupGuide, SetupStep};

use crate::{
    config::ProviderSettings,
    error::{ServiceError, ServiceResult},
    providers::Provider,
};

/// The guide for `provider` as a request names it (`None`: the default provider), with the
/// model this server uses for it: what `GET /api/v1/profile/ai-settings/guide` and My Profile's
/// guide both show.
pub fn for_request(
    providers: &ProviderSettings,
    provider: Option<&str>,
) -> ServiceResult<SetupGuide> {
    let provider = match provider {
        Some(p) => Provider::parse(p).map_err(ServiceError::from)?,
        None => Provider::DEFAULT,
    };
    Ok(setup_guide(provider, providers.default_model(provider)))
}

fn step(number: u32, title: &str, description: &str, url: Option<&str>) -> SetupStep {
    SetupStep {
        number,
        title: title.into(),
        description: description.into(),
        url: url.map(str::to_owned),
    }
}

pub fn setup_guide(provider: Provider, default_model: &str) -> SetupGuide {
    let spec = provider.spec();
    let (console, keys_url, label) = (spec.console_url, spec.keys_url, spec.label);
    let steps = vec![
        step(1, &format!("Visit the {label} console"), &format!("Open {console} in a new tab."), Some(console)),
        step(2, "Sign up", spec.signup_note, Some(console)),
        step(3, "Navigate to API Keys", "Open the API Keys section of the console.", Some(keys_url)),
        step(4, "Create a new key", "Click \"Create API Key\" and give it a name such as \"Hirekey\".", Some(keys_url)),
        step(5, "Copy the key", "Copy the key right away: the console shows it only once.", None),
        step(6, "Return to Hirekey and paste it", "Paste the key below, click \"🧪 Test\", turn on \"Use my personal API key\" and click \"💾 Save Settings\".", None),
    ];
    let benefits = vec![
        "Personal rate limits: your own quota, not shared with other users".into(),
        if provider == Provider::Groq {
            "Free access: Groq's generous free tier needs no credit card".into()
        } else {
            "Cost control: you pay only for your own usage".into()
        },
        "Fast performance: Groq's LPU inference runs llama-3.1-8b-instant at about 750 tokens/s"
            .into(),
        "Privacy: your AI usage is kept separate from everyone else's".into(),
        "Security: the key is encrypted at rest and never shown again".into(),
    ];
    SetupGuide {
        title: format!("Get your {label} API key"),
        steps,
        benefits,
        model_info: ModelInfo {
            name: default_model.into(),
            speed: spec.model_speed.into(),
            context: spec.model_context.into(),
        },
    }
}
