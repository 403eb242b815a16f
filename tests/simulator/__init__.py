"""Tests of the Help Scout API simulator (helpscout_sim), over real HTTP on 127.0.0.1."""
