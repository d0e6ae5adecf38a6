"""Python versions of the example tools in examples/tools/*.ts, for the Airflow target.

Each function behaves like its TypeScript twin (same results, same errors), so
a flow gives the same results on `aiwc run` and in Airflow. They follow
JavaScript where Python differs: `_js` holds JavaScript's notion of white space.
"""
