"""Customer lifetime value: BTYD baselines, the LightGBM model, backtest, channel CLTV."""
