"""Everything that speaks to, or prepares input for, the cloud providers' APIs."""
