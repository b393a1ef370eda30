"""The renderer: coefficients to frames on the torch device."""
