"""Child in need and child protection plans, and referrals to specialist services."""
