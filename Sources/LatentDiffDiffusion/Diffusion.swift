// Schedules and samplers arrive with issue 5; this layer depends on LatentDiffModels.
