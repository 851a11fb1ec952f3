print("limma-parity: not built yet")
