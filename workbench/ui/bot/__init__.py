"""店小蜜 settings: welcome card, transfer to a human, reception modes, sub-accounts and 分流, auto messages."""
