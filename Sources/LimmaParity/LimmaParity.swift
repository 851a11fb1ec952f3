import Limma
