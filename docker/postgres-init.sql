-- One database per service and adapter (the compose file's PostgreSQL runs this on first start).
CREATE DATABASE registrering;
CREATE DATABASE routing;
CREATE DATABASE frister;
CREATE DATABASE klager;
CREATE DATABASE statistik;
CREATE DATABASE bosted;
CREATE DATABASE nexus;
CREATE DATABASE sikkermail;
CREATE DATABASE arbejdsrum;
