"""JianYu (检舆): public-opinion monitoring for people's procuratorates."""

__version__ = "0.1.0"
