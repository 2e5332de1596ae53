"""客户运营: customer list, profiles, tag library, segments dashboard and follow-ups."""
