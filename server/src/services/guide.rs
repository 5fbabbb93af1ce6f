//! The seed's setup guide: six steps, the benefits, and model information, per provider.
use app::api::profile::{ModelInfo, SetupGuide, SetupStep};

use crate::providers::Provider;

fn step(number: u32, title: &str, description: &str, url: Option<&str>) -> SetupStep {
    SetupStep {
        number,
        title: title.into(),
        description: description.into(),
        url: url.map(str::to_owned),
    }
}

pub fn setup_guide(provider: Provider, default_model: &str) -> SetupGuide {
    let (console, keys_url, signup_note) = match provider {
        Provider::Groq => (
            "https://console.groq.com",
            "https://console.groq.com/keys",
            "Sign up for free; no credit card is required",
        ),
        Provider::OpenRouter => (
            "https://openrouter.ai",
            "https://openrouter.ai/settings/keys",
            "Sign up; free models need no credit",
        ),
        Provider::DeepSeek => (
            "https://platform.deepseek.com",
            "https://platform.deepseek.com/api_keys",
            "Sign up and add credit to your account",
        ),
        Provider::OpenAi => (
            "https://platform.openai.com",
            "https://platform.openai.com/api-keys",
            "Sign up and set up billing",
        ),
        Provider::Custom => (
            "https://ollama.com",
            "https://github.com/ollama/ollama/blob/main/docs/openai.md",
            "Install the server and start it (for Ollama: ollama serve)",
        ),
    };
    let label = provider.label();
    let steps = vec![
        step(1, &format!("Visit the {label} console"), &format!("Open {console} in a new tab."), Some(console)),
        step(2, "Sign up", signup_note, Some(console)),
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
    let model_info = match provider {
        Provider::Groq => ModelInfo {
            name: default_model.into(),
            speed: "~750 tokens/sec".into(),
            context: "128K tokens".into(),
        },
        _ => ModelInfo {
            name: default_model.into(),
            speed: "depends on the provider".into(),
            context: "depends on the model".into(),
        },
    };
    SetupGuide {
        title: format!("Get your {label} API key"),
        steps,
        benefits,
        model_info,
    }
}
