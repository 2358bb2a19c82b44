"""The organisation around social business: maturity, policy, training, the centre of excellence."""
