// Codecs and denoisers arrive with issues 4 and 5; this layer depends on LatentDiffNN and LatentDiffIO.
