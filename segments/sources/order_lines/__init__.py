"""What the sources whose data are order lines share: the clean contract and the dashboard's exploration
sections over the tables of the shared order-line rules (models/order_lines/)."""
