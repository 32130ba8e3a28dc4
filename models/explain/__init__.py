"""Explanations: native TreeSHAP, explanation tables, the rows explained and the figures."""
