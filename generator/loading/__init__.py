"""Loading: YAML read with positions, the model of an evaluation, and the converter between them."""
