"""KPIs."""
