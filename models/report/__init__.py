"""The self-contained HTML report: inputs, sections, model cards, figures and the page."""
