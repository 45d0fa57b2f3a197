"""Events, spikes, one report per event (一事一报), channels and the outbox."""
