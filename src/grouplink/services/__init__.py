"""Use cases: each public function is one transaction of domain rules, store and outbox."""
