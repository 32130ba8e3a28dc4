"""The what-if page for planners (``channelwise app``): a Dash app over the fitted artefacts.

``view`` turns plans into display rows and text, ``charts`` draws the interactive figures,
``layout`` lays out the page, ``callbacks`` re-plans on every input, ``server`` builds and runs it.
"""
