"""Every legal deadline as durable state: warnings, breaches, met."""
