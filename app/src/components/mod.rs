pub mod layout;
pub mod test_result;
pub mod usage_chart;
