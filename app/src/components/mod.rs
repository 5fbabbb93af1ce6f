pub mod layout;
pub mod usage_chart;
