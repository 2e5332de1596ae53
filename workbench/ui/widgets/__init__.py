"""Small shared widgets for the sidebar panels: flow layout, tag chips, cards, pills, timeline."""
