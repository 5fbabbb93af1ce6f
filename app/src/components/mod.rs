pub mod layout;
pub mod markdown;
pub mod test_result;
pub mod usage_chart;
