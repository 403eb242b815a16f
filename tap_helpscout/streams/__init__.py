"""Stream declarations, grouped by the API's own areas."""
