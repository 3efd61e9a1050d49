namespace messenger::net {}
