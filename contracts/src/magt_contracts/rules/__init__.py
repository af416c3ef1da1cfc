"""Pure functions over the rules catalogue: assess, recipients, deadlines, supervision."""
