namespace messenger::service {}
